// Runs eslint outside jest (whose VM cannot load eslint's ESM config): `node lint.mjs` lints the
// project; with a JSON list of { file, code } on stdin it lints each snippet as if it were that file.
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });
const describe = (message) => `${message.ruleId}: ${message.message}`;

async function stdin() {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

if (process.argv[2] === 'snippets') {
  const cases = JSON.parse(await stdin());
  const out = [];
  for (const { file, code } of cases) {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    out.push(result.messages.map(describe));
  }
  process.stdout.write(JSON.stringify(out));
} else {
  const results = await eslint.lintFiles(['.']);
  const errors = results.flatMap((result) => result.messages.filter((m) => m.severity === 2).map((m) => `${path.relative(root, result.filePath)}:${m.line} ${describe(m)}`));
  process.stdout.write(JSON.stringify(errors));
}
