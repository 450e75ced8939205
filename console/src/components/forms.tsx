/**
 * Form helpers: the API's 422 `error_details` shown beside the fields they concern (by the same
 * dotted path the API uses), anything left over in an alert so no error is ever hidden.
 */
import { useState, type ReactNode } from 'react';
import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { ApiError, humanCode, type FieldErrors } from '../lib/api';
import { FieldErrorList } from './states';

export class FormErrors {
  private readonly shown = new Set<string>();
  constructor(readonly all: FieldErrors = {}, readonly general: string | null = null) {}

  static from(error: unknown): FormErrors {
    if (error instanceof ApiError) return new FormErrors(error.fieldErrors, error.status === 422 ? null : error.message);
    if (error) return new FormErrors({}, error instanceof Error ? error.message : String(error));
    return new FormErrors();
  }

  /** The message for one field path (marks it shown). */
  field(path: string): string | undefined {
    const codes = this.all[path];
    if (!codes) return undefined;
    this.shown.add(path);
    return codes.map(humanCode).join(' ');
  }

  /** Every message under a prefix (`charges.0`), marked shown. */
  under(prefix: string): FieldErrors {
    const out: FieldErrors = {};
    for (const [path, codes] of Object.entries(this.all)) {
      if (path === prefix || path.startsWith(`${prefix}.`)) {
        out[path] = codes;
        this.shown.add(path);
      }
    }
    return out;
  }

  /** Messages under a prefix that no field has shown yet, marked shown. */
  restUnder(prefix: string): FieldErrors {
    const out: FieldErrors = {};
    for (const [path, codes] of Object.entries(this.all)) {
      if (!this.shown.has(path) && (path === prefix || path.startsWith(`${prefix}.`))) {
        out[path] = codes;
        this.shown.add(path);
      }
    }
    return out;
  }

  get rest(): FieldErrors {
    return Object.fromEntries(Object.entries(this.all).filter(([path]) => !this.shown.has(path)));
  }
}

/** Errors no field showed (and non-validation failures): rendered last in a form. */
export function FormAlert({ errors }: { errors: FormErrors }) {
  const rest = errors.rest;
  if (!errors.general && Object.keys(rest).length === 0) return null;
  return (
    <Alert color="red" title={errors.general ?? 'The API refused this'} role="alert">
      <FieldErrorList errors={rest} />
    </Alert>
  );
}

/** A destructive action behind a confirmation dialog. */
export function ConfirmButton({ label, title, children, onConfirm, loading, color = 'red', confirmLabel }: {
  label: string;
  title: string;
  children: ReactNode;
  onConfirm: () => Promise<unknown> | void;
  loading?: boolean;
  color?: string;
  confirmLabel?: string;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button color={color} variant="light" onClick={() => setOpen(true)}>{label}</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={title} centered>
        <Stack>
          <Text size="sm">{children}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>Cancel</Button>
            <Button
              color={color}
              loading={loading}
              data-autofocus
              onClick={async () => {
                try {
                  await onConfirm();
                } finally {
                  setOpen(false);
                }
              }}
            >
              {confirmLabel ?? label}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** "a, b , c" → ["a", "b", "c"] */
export function splitList(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter(Boolean);
}
