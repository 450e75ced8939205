/**
 * The request contract's counts (src/api/contract.ts), against Lago's OpenAPI description: the
 * operations Billow serves whose body Lago describes, and their request fields, honoured or refused.
 * Fields the contract does not classify are listed (test/api/contract-requests.test.ts fails on them).
 *
 *   npx tsx scripts/contract-counts.ts
 */
import { checkedOperations, classify, contractCounts, loadLagoSpec } from '../test/support/lago-request-spec';

const spec = loadLagoSpec();
const counts = contractCounts(spec);
const unclassified: string[] = [];
for (const checked of checkedOperations(spec)) {
  if (!checked.contract) {
    unclassified.push(`${checked.key}: no request contract`);
    continue;
  }
  for (const field of checked.fields) {
    if (classify(checked.contract, field, checked.fields).kind === 'unclassified') unclassified.push(`${checked.key}: ${field.path}`);
  }
  for (const field of checked.beside) if (!checked.contract.beside?.[field.path]) unclassified.push(`${checked.key}: ${field.path} (beside the root)`);
}
process.stdout.write([
  `Operations of lago-openapi.yaml with a request body that Billow serves: ${counts.operations}`,
  `Request fields (every property path of Lago's spec): ${counts.fields} — honoured ${counts.honoured} (of which ${counts.partlyRefused} with some values refused), refused ${counts.refused} (of which ${counts.forbidden} with Lago's 403 feature_unavailable, most inside a refused object such as plan_overrides)`,
  `Declarations in the contracts (a refused object once): honoured ${counts.declaredHonoured}, refused ${counts.declaredRefused}`,
  ...(unclassified.length > 0 ? [`Not classified (${unclassified.length}):`, ...unclassified.map((line) => `  ${line}`)] : ['Every field is classified.']),
  '',
].join('\n'));
