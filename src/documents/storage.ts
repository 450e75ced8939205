/**
 * Where rendered documents live. The default is a directory (config.documentsDir); a key is a
 * relative path such as `invoices/<organization id>/<invoice id>.pdf`. Writes are atomic
 * (temporary file, then rename), so a reader never sees half a PDF.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

export interface DocumentStore {
  write(key: string, data: Uint8Array): Promise<void>;
  /** The document's bytes, or null when it is not there. */
  read(key: string): Promise<Buffer | null>;
  exists(key: string): Promise<boolean>;
}

const KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*$/;

export function filesystemDocumentStore(directory: string): DocumentStore {
  const root = path.resolve(directory);
  const locate = (key: string) => {
    if (!KEY.test(key) || key.split('/').some((part) => part === '..' || part === '.')) throw new Error(`Invalid document key ${key}`);
    return path.join(root, key);
  };
  return {
    async write(key, data) {
      const target = locate(key);
      await fs.mkdir(path.dirname(target), { recursive: true });
      const temporary = `${target}.${randomUUID()}.tmp`;
      await fs.writeFile(temporary, data);
      await fs.rename(temporary, target);
    },
    async read(key) {
      try {
        return await fs.readFile(locate(key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async exists(key) {
      try {
        await fs.access(locate(key));
        return true;
      } catch {
        return false;
      }
    },
  };
}
