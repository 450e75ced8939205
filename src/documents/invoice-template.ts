/**
 * The invoice (and credit note) document: one self-contained HTML page, CSS inline, no script,
 * no external resource (the logo arrives as a data URL). Every value comes preformatted from
 * the view (invoice-view.ts) and is escaped here, whoever typed it.
 */
import type { DocumentView, LineView, PartyView, TableView, TotalView } from './invoice-view';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/** Only `data:image/…` URLs may be embedded: anything else would make the page reach out. */
function safeImageSource(src: string | null): string | null {
  return src && /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=]+$/.test(src) ? src : null;
}

const STYLE = `
  * { box-sizing: border-box; }
  html, body { margin: 0; padding: 0; }
  body { font-family: "Liberation Sans", "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 9.5pt; color: #1f2933; line-height: 1.4; }
  .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  .muted { color: #616e7c; }
  header { display: flex; justify-content: space-between; align-items: flex-start; border-bottom: 2px solid #1f2933; padding-bottom: 14px; }
  .issuer { display: flex; gap: 14px; align-items: flex-start; max-width: 60%; }
  .issuer img { max-height: 56px; max-width: 140px; object-fit: contain; }
  .issuer .name { font-size: 12pt; font-weight: bold; }
  .title { text-align: right; }
  .title h1 { margin: 0; font-size: 22pt; letter-spacing: 0.04em; font-weight: bold; text-transform: uppercase; }
  .title .number { font-size: 10.5pt; margin-top: 2px; }
  .stamp { display: inline-block; margin-top: 8px; padding: 2px 10px; border: 2px solid #b42318; color: #b42318; font-weight: bold; letter-spacing: 0.1em; }
  .parties { display: flex; justify-content: space-between; align-items: flex-start; gap: 24px; margin: 18px 0 20px; }
  .billto { max-width: 50%; }
  .label { font-size: 7.5pt; text-transform: uppercase; letter-spacing: 0.08em; color: #616e7c; margin-bottom: 3px; }
  .billto .name { font-weight: bold; font-size: 10.5pt; }
  table.facts { border-collapse: collapse; }
  table.facts td { padding: 1.5px 0; vertical-align: top; }
  table.facts td:first-child { color: #616e7c; padding-right: 14px; white-space: nowrap; }
  table.facts td:last-child { text-align: right; }
  table.lines { width: 100%; border-collapse: collapse; }
  table.lines th { font-size: 7.5pt; text-transform: uppercase; letter-spacing: 0.06em; color: #616e7c; font-weight: normal; text-align: left; border-bottom: 1px solid #9aa5b1; padding: 6px 6px 5px; }
  table.lines th.num { text-align: right; }
  table.lines td { padding: 7px 6px; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
  table.lines tr { break-inside: avoid; }
  .description { font-weight: bold; }
  .detail { color: #616e7c; font-size: 8.5pt; }
  table.breakdown { width: 100%; border-collapse: collapse; margin-top: 5px; font-size: 8.5pt; }
  table.breakdown caption { text-align: left; color: #616e7c; font-size: 7.5pt; text-transform: uppercase; letter-spacing: 0.06em; padding-bottom: 2px; }
  table.breakdown th, table.breakdown td { border: none; padding: 1.5px 6px 1.5px 0; font-weight: normal; }
  table.breakdown th { color: #616e7c; border-bottom: 1px solid #e4e7eb; font-size: 7.5pt; text-transform: none; letter-spacing: 0; }
  .totals { display: flex; justify-content: flex-end; margin-top: 14px; break-inside: avoid; }
  table.totals { border-collapse: collapse; min-width: 46%; }
  table.totals td { padding: 3px 6px; }
  table.totals td.note { color: #616e7c; font-size: 8.5pt; }
  table.totals tr.strong td { font-weight: bold; font-size: 11pt; border-top: 2px solid #1f2933; padding-top: 6px; }
  footer { margin-top: 28px; padding-top: 10px; border-top: 1px solid #e4e7eb; break-inside: avoid; }
  .footer-text { white-space: pre-wrap; }
  .legal { margin-top: 6px; font-size: 8pt; color: #616e7c; }
`;

function party(view: PartyView, className: string, label: string | null): string {
  return `<div class="${className}">
      ${label ? `<div class="label">${escapeHtml(label)}</div>` : ''}
      <div class="name">${escapeHtml(view.name)}</div>
      ${view.lines.map((line) => `<div>${escapeHtml(line)}</div>`).join('\n      ')}
    </div>`;
}

function breakdown(table: TableView): string {
  const cell = (tag: 'th' | 'td', value: string, index: number) => `<${tag}${table.numeric[index] ? ' class="num"' : ''}>${escapeHtml(value)}</${tag}>`;
  return `<table class="breakdown">
          <caption>${escapeHtml(table.title)}</caption>
          <thead><tr>${table.columns.map((column, i) => cell('th', column, i)).join('')}</tr></thead>
          <tbody>${table.rows.map((row) => `<tr>${row.map((value, i) => cell('td', value, i)).join('')}</tr>`).join('')}</tbody>
        </table>`;
}

function line(view: LineView): string {
  return `<tr>
      <td>
        <div class="description">${escapeHtml(view.description)}</div>
        ${view.details.map((detail) => `<div class="detail">${escapeHtml(detail)}</div>`).join('\n        ')}
        ${view.tables.map(breakdown).join('\n        ')}
      </td>
      <td class="num">${escapeHtml(view.units)}</td>
      <td class="num">${escapeHtml(view.unitPrice)}</td>
      <td class="num">${escapeHtml(view.taxRate)}</td>
      <td class="num">${escapeHtml(view.amount)}</td>
    </tr>`;
}

function total(view: TotalView): string {
  return `<tr${view.strong ? ' class="strong"' : ''}>
        <td>${escapeHtml(view.label)}${view.note ? ` <span class="muted">${escapeHtml(view.note)}</span>` : ''}</td>
        <td class="num">${escapeHtml(view.value)}</td>
      </tr>`;
}

export function renderDocumentHtml(view: DocumentView): string {
  const logo = safeImageSource(view.logo);
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
  <title>${escapeHtml(view.title)} ${escapeHtml(view.number)}</title>
  <style>${STYLE}</style>
</head>
<body>
  <header>
    <div class="issuer">
      ${logo ? `<img src="${escapeHtml(logo)}" alt="">` : ''}
      ${party(view.issuer, 'issuer-text', null)}
    </div>
    <div class="title">
      <h1>${escapeHtml(view.title)}</h1>
      <div class="number">${escapeHtml(view.number)}</div>
      ${view.stamp ? `<div class="stamp">${escapeHtml(view.stamp)}</div>` : ''}
    </div>
  </header>

  <section class="parties">
    ${party(view.billTo, 'billto', 'Bill to')}
    <table class="facts">
      ${view.facts.map((fact) => `<tr><td>${escapeHtml(fact.label)}</td><td>${escapeHtml(fact.value)}</td></tr>`).join('\n      ')}
    </table>
  </section>

  <table class="lines">
    <thead>
      <tr><th>Description</th><th class="num">Units</th><th class="num">Unit price</th><th class="num">Tax</th><th class="num">Amount</th></tr>
    </thead>
    <tbody>
    ${view.lines.map(line).join('\n    ')}
    </tbody>
  </table>

  <div class="totals">
    <table class="totals">
      ${view.totals.map(total).join('\n      ')}
    </table>
  </div>

  <footer>
    ${view.footer ? `<div class="footer-text">${escapeHtml(view.footer)}</div>` : ''}
    ${view.legal.map((text) => `<div class="legal">${escapeHtml(text)}</div>`).join('\n    ')}
  </footer>
</body>
</html>
`;
}

/** Chromium's per-page footer: the document's name and "Page N of M" (its own tiny HTML page). */
export function pageFooterHtml(view: Pick<DocumentView, 'pageFooter'>): string {
  return `<div style="width:100%; font-family: 'Liberation Sans', 'DejaVu Sans', Arial, sans-serif; font-size:7.5pt; color:#616e7c; padding: 0 14mm; display:flex; justify-content:space-between;">
    <span>${escapeHtml(view.pageFooter)}</span>
    <span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span>
  </div>`;
}
