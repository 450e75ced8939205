/**
 * `GET /docs`: the OpenAPI document rendered as one self-contained HTML page (no script, no CDN):
 * operations grouped by tag, each with its parameters, request body JSON schema, responses and
 * success body schema, then every object schema the answers refer to (`#/components/schemas/…`).
 */

type Json = Record<string, unknown>;

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** `code` spans for Markdown back-quotes in descriptions; everything else escaped. */
const inline = (value: unknown) => escapeHtml(String(value ?? '')).replace(/`([^`]+)`/g, '<code>$1</code>');

function resolve(document: Json, value: Json): Json {
  const ref = value.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return value;
  return ref.slice(2).split('/').reduce<Json>((node, key) => (node[key] ?? {}) as Json, document);
}

/** `"#/components/schemas/Plan"` (escaped) as a link to the schema's section of the page. */
const linkRefs = (html: string) => html.replace(/&quot;#\/components\/schemas\/([A-Za-z0-9_]+)&quot;/g, '&quot;<a href="#schema-$1">#/components/schemas/$1</a>&quot;');

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
header{background:#14325c;color:#fff;padding:20px 32px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;opacity:.85}
main{max-width:1100px;margin:0 auto;padding:16px 32px 48px}nav{columns:3;font-size:14px;margin:12px 0 24px}
nav a{display:block;color:#14325c;text-decoration:none}h2{border-bottom:2px solid #d7dde6;padding-bottom:4px;margin-top:36px}
details{background:#fff;border:1px solid #d7dde6;border-radius:6px;margin:8px 0}summary{cursor:pointer;padding:8px 12px;font-family:ui-monospace,monospace}
.m{display:inline-block;min-width:60px;font-weight:700;text-transform:uppercase}.get{color:#1a7f37}.post{color:#0b5cad}.put{color:#9a6700}.patch{color:#8250df}.delete{color:#c4302b}
.s{font-family:system-ui,sans-serif;color:#57606a;margin-left:8px}.body{padding:0 16px 12px}table{border-collapse:collapse;width:100%;font-size:14px}
td,th{border:1px solid #e1e5eb;padding:4px 8px;text-align:left;vertical-align:top}pre{background:#f3f5f8;padding:8px;overflow:auto;font-size:12px;max-height:420px}
code{background:#eef1f5;padding:0 3px;border-radius:3px}header code{background:rgba(255,255,255,.18);color:#fff}`;

export function renderDocsPage(document: Json): string {
  const info = (document.info ?? {}) as Json;
  const servers = (document.servers ?? []) as Json[];
  const paths = (document.paths ?? {}) as Record<string, Json>;
  const byTag = new Map<string, string[]>();
  const index: string[] = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const tag = ((op.tags as string[] | undefined) ?? ['Other'])[0]!;
      const id = String(op.operationId);
      index.push(`<a href="#${escapeHtml(id)}"><span class="m ${method}">${method}</span> ${escapeHtml(path)}</a>`);
      const parts: string[] = [];
      if (op.description) parts.push(`<p>${inline(op.description)}</p>`);
      if (op.security && (op.security as unknown[]).length === 0) parts.push('<p>No API key needed.</p>');
      const parameters = (op.parameters ?? []) as Json[];
      if (parameters.length > 0) {
        parts.push('<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>description</th></tr>');
        for (const p of parameters) {
          parts.push(`<tr><td><code>${escapeHtml(String(p.name))}</code>${p.required ? ' (required)' : ''}</td><td>${escapeHtml(String(p.in))}</td><td>${inline(p.description)}</td></tr>`);
        }
        parts.push('</table>');
      }
      const body = op.requestBody as Json | undefined;
      if (body) {
        const schema = ((body.content as Json)['application/json'] as Json).schema;
        parts.push(`<h4>Request body (JSON schema)</h4><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre>`);
      }
      parts.push('<h4>Responses</h4><table><tr><th>status</th><th>description</th></tr>');
      for (const [status, response] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
        parts.push(`<tr><td>${escapeHtml(status)}</td><td>${inline(resolve(document, response).description)}</td></tr>`);
      }
      parts.push('</table>');
      const success = (((op.responses as Record<string, Json> | undefined)?.['200']?.content ?? {}) as Record<string, Json>)['application/json']?.schema;
      if (success) parts.push(`<h4>Success body (JSON schema)</h4><pre>${linkRefs(escapeHtml(JSON.stringify(success, null, 2)))}</pre>`);
      const html = `<details id="${escapeHtml(id)}"><summary><span class="m ${method}">${method}</span>${escapeHtml(path)}<span class="s">${inline(op.summary)}</span></summary><div class="body">${parts.join('')}</div></details>`;
      const list = byTag.get(tag) ?? [];
      list.push(html);
      byTag.set(tag, list);
    }
  }
  const sections = [...byTag].map(([tag, ops]) => `<h2>${escapeHtml(tag)}</h2>${ops.join('\n')}`).join('\n');
  const schemas = Object.entries(((document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>)
    .map(([name, schema]) => `<details id="schema-${escapeHtml(name)}"><summary>${escapeHtml(name)}</summary><div class="body"><pre>${linkRefs(escapeHtml(JSON.stringify(schema, null, 2)))}</pre></div></details>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(String(info.title ?? 'API'))} reference</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(String(info.title ?? 'API'))} ${escapeHtml(String(info.version ?? ''))}</h1>
<p>${inline(info.description)} Base URL: <code>${escapeHtml(String(servers[0]?.url ?? ''))}</code>. Authenticate with <code>Authorization: Bearer &lt;api key&gt;</code>. Machine-readable: <a style="color:#fff" href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></header>
<main><nav>${index.join('')}</nav>${sections}<h2>Schemas</h2>${schemas}</main></body></html>`;
}
