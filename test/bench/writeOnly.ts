/**
 * The disk-write limit: the same bytes at the same offsets into a pre-sized file, no network.
 *   node writeOnly.js <outFile> <size> <planFile>   (planFile: "start end" per line)
 */
import * as fs from 'node:fs';

const [out, sizeArg, planFile] = process.argv.slice(2);
const size = Number(sizeArg);
const plan = fs.readFileSync(planFile, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number));
const buf = Buffer.alloc(Math.max(...plan.map(([s, e]) => e - s)), 0x5a);
const fd = fs.openSync(out, 'w');
fs.ftruncateSync(fd, size);
for (const [s, e] of plan) fs.writeSync(fd, buf, 0, e - s, s);
fs.fdatasyncSync(fd);
fs.closeSync(fd);
