/**
 * Test helpers for the disk readers: a block device over a local file that counts what it reads,
 * and a cache of fixture images built once per run by the real tools (`test/.cache/`, git-ignored),
 * so several test files share one image and a second run reuses it.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { BlockDevice, checkRead } from '../../src/disk/types';

export interface CountingDevice extends BlockDevice {
    reads: number;
    bytesRead: number;
    close(): void;
}

/** A block device over a local raw image file, counting reads and bytes. */
export function fileDevice(file: string): CountingDevice {
    const fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const dev: CountingDevice = {
        size,
        reads: 0,
        bytesRead: 0,
        async read(offset: number, length: number): Promise<Uint8Array> {
            checkRead(size, offset, length);
            dev.reads++;
            dev.bytesRead += length;
            const buf = Buffer.alloc(length);
            let done = 0;
            while (done < length) {
                const n = fs.readSync(fd, buf, done, length - done, offset + done);
                if (n === 0) break;
                done += n;
            }
            return buf;
        },
        close() {
            fs.closeSync(fd);
        },
    };
    return dev;
}

export const cacheRoot = path.resolve(__dirname, '..', '..', '..', 'test', '.cache', 'disk-images');

/**
 * The path of a cached fixture `name`, built by `build(tmpFile, tmpDir)` when missing. The key
 * should change whenever the recipe does (pass the recipe's text or a version). Built into a
 * temporary name and renamed, so two test processes never see a half-made image.
 */
export function cachedImage(name: string, key: string, build: (out: string, work: string) => void): string {
    const hash = crypto.createHash('sha256').update(key).digest('hex').slice(0, 12);
    const final = path.join(cacheRoot, `${name}-${hash}.img`);
    if (fs.existsSync(final)) return final;
    fs.mkdirSync(cacheRoot, { recursive: true });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `amd-${name}-`));
    const tmp = path.join(cacheRoot, `.${name}-${hash}-${process.pid}.tmp`);
    try {
        build(tmp, work);
        fs.renameSync(tmp, final);
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
        fs.rmSync(tmp, { force: true });
    }
    return final;
}

/** Runs a tool, throwing with its stderr on failure. */
export function sh(cmd: string, args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): string {
    return execFileSync(cmd, args, { cwd: opts.cwd, input: opts.input, env: { ...process.env, ...opts.env }, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** Whether we run as root (loop mounts, FUSE). CI does. */
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
