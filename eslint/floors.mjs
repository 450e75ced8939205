/**
 * Floors and fences (DESIGN.md §3): each folder of `src` is a floor and imports only go down.
 * The rule resolves every relative import (at any depth: `../../db/x` as well as `../db`) to the
 * file it names and checks the pair of floors against the table below.
 */
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(import.meta.dirname, '..', 'src');

/** The leaves of `workflows/` that services and the API's wiring may use (no workflow code). */
const WORKFLOW_LEAVES = new Set(['workflows/client.ts', 'workflows/messages.ts', 'workflows/ids.ts', 'workflows/search-attributes.ts']);

/** The floor of a file, by its path relative to `src`. */
export function floorOf(relative) {
  const [top, second] = relative.split('/');
  if (!relative.includes('/')) return 'wiring'; // cli.ts, server.ts, worker.ts
  if (top === 'bootstrap') return 'wiring';
  if (top === 'services') return second.endsWith('.ts') ? 'services-root' : `services/${second}`;
  if (top === 'workflows') return WORKFLOW_LEAVES.has(relative) ? 'workflow-leaves' : 'workflows';
  return top;
}

/**
 * What each floor may import, besides its own folder. `type` marks a floor whose types only may be
 * imported (`import type`). A service may reach another domain only through its `index.ts`.
 */
const MAY_IMPORT = {
  billing: [],
  runtime: [],
  db: ['runtime', 'billing'],
  serializers: ['billing', 'runtime', 'type:db'],
  documents: ['billing', 'runtime', 'type:db'],
  webhooks: ['db', 'runtime', 'billing', 'workflow-leaves'],
  services: ['domain-index', 'services-root', 'serializers', 'documents', 'webhooks', 'db', 'runtime', 'billing', 'workflow-leaves'],
  // services/deps.ts: what the doors hand to use cases (types, and the default document renderer)
  'services-root': ['documents', 'db', 'runtime', 'billing', 'workflow-leaves'],
  'workflow-leaves': ['billing', 'workflow-leaves', 'type:activities'],
  workflows: ['billing', 'workflow-leaves', 'type:activities'],
  activities: ['services', 'services-root', 'runtime', 'billing', 'type:workflows', 'type:workflow-leaves'],
  api: ['services', 'services-root', 'serializers', 'runtime', 'billing'],
  console: ['services', 'services-root', 'serializers', 'runtime', 'billing', 'api'],
  wiring: null, // cli.ts, server.ts, worker.ts, bootstrap/: may import anything
};

function rulesOf(floor) {
  return MAY_IMPORT[floor.startsWith('services/') ? 'services' : floor];
}

function isDomainIndex(relative) {
  return /^services\/[^/]+\/index\.ts$/.test(relative);
}

/** Why `from` may not import `to`, or null when it may. */
export function fence(fromRelative, toRelative, typeOnly) {
  const from = floorOf(fromRelative);
  const to = floorOf(toRelative);
  if (from === to) return null;
  const allowed = rulesOf(from);
  if (allowed === null || allowed === undefined) return null;
  if (from.startsWith('services/') && to.startsWith('services/')) {
    return allowed.includes('domain-index') && isDomainIndex(toRelative)
      ? null
      : `${from} may use another domain only through its index.ts (services/${to.split('/')[1]}/index.ts)`;
  }
  const target = to.startsWith('services/') ? 'services' : to;
  if (allowed.includes(target)) return null;
  if (allowed.includes(`type:${target}`)) return typeOnly ? null : `${from} may import only types from ${target} (use \`import type\`)`;
  return `${from} may not import from ${to}: imports only go down (DESIGN.md §3)`;
}

/** The file an import names, relative to src, or null when it is a package or outside src. */
function resolveTarget(filename, specifier) {
  if (!specifier.startsWith('.')) return null;
  let target = path.resolve(path.dirname(filename), specifier);
  if (!target.startsWith(SRC + path.sep)) return null;
  target = path.relative(SRC, target).split(path.sep).join('/');
  if (/\.(ts|js|mjs|json)$/.test(target)) return target.replace(/\.js$/, '.ts');
  return target; // completed below (file or directory index)
}

/** The file a module path names: itself, `<path>.ts` or `<path>/index.ts`. */
function existing(target) {
  if (/\.(ts|json)$/.test(target)) return target;
  const asIndex = `${target}/index.ts`;
  return fs.existsSync(path.join(SRC, asIndex)) ? asIndex : `${target}.ts`;
}

export const floorsRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports only go down the floors of DESIGN.md §3.' },
    schema: [],
  },
  create(context) {
    const filename = context.filename ?? context.getFilename();
    if (!filename.startsWith(SRC + path.sep)) return {};
    const fromRelative = path.relative(SRC, filename).split(path.sep).join('/');
    const check = (node, specifier, typeOnly) => {
      if (typeof specifier !== 'string') return;
      const target = resolveTarget(filename, specifier);
      if (target === null) return;
      const reason = fence(fromRelative, existing(target), typeOnly);
      if (reason) context.report({ node, message: `${reason}: '${specifier}'` });
    };
    const typeOnlyImport = (node) =>
      node.importKind === 'type' || (node.specifiers?.length > 0 && node.specifiers.every((s) => s.importKind === 'type'));
    return {
      ImportDeclaration: (node) => check(node, node.source.value, typeOnlyImport(node)),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, node.exportKind === 'type' || typeOnlyImport(node)),
      ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value, false),
      CallExpression: (node) => {
        const callee = node.callee;
        const isRequire = callee.type === 'Identifier' && callee.name === 'require';
        const isResolve = callee.type === 'MemberExpression' && callee.object.name === 'require' && callee.property.name === 'resolve';
        if ((isRequire || isResolve) && node.arguments[0]?.type === 'Literal') check(node, node.arguments[0].value, false);
      },
    };
  },
};

export default { rules: { floors: floorsRule } };
