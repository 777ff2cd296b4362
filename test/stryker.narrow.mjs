// Narrowed Stryker run: STRYKER_TESTS=a,b (unit file base names) picks the test files.
import { readFileSync } from 'node:fs';
const base = JSON.parse(readFileSync(new URL('./stryker.config.json', import.meta.url), 'utf8'));
delete base.$schema;
const t = process.env.STRYKER_TESTS;
if (t) base.tap = { ...base.tap, testFiles: t.split(',').map((n) => `out/test/unit/${n}.test.js`) };
base.concurrency = 1;
base.reporters = ['clear-text', 'json'];
base.incrementalFile = process.env.STRYKER_INC ?? 'reports/stryker-narrow.json';
base.jsonReporter = { fileName: process.env.STRYKER_JSON ?? 'reports/mutation/narrow.json' };
export default base;
