/**
 * What the per-range MD5 check costs by itself: MD5 of every chunk of the plan (same sizes, ≤ 4 MiB
 * each, as the engine asks Content-MD5 for) on one core, no network, no disk.
 *   node md5Only.js <planFile>   (planFile: "start end" per line)
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

const plan = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number));
const buf = crypto.randomBytes(Math.max(...plan.map(([s, e]) => e - s)));
let x = 0;
for (const [s, e] of plan) x ^= crypto.createHash('md5').update(buf.subarray(0, e - s)).digest()[0];
process.stdout.write(`${x}\n`);
