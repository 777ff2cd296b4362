/** Positional reads on an image file that say "truncated" instead of returning short. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageError } from './types';

export class ImageFile {
    private constructor(readonly path: string, readonly fd: fs.promises.FileHandle, readonly size: number, readonly mtimeMs: number) {}

    static async open(file: string): Promise<ImageFile> {
        let fh: fs.promises.FileHandle;
        try {
            fh = await fs.promises.open(file, 'r');
        } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            throw new ImageError('Unreadable', `Cannot open ${path.basename(file)} (${code ?? 'error'}). Check that the file exists and that you may read it.`);
        }
        const st = await fh.stat();
        if (!st.isFile()) {
            await fh.close();
            throw new ImageError('Unreadable', `${path.basename(file)} is not a regular file.`);
        }
        return new ImageFile(file, fh, st.size, st.mtimeMs);
    }

    get name(): string {
        return path.basename(this.path);
    }

    /** Reads exactly `length` bytes at `position`; a file that ends first is reported as truncated (`what` names the structure). */
    async readExact(position: number, length: number, what: string): Promise<Buffer> {
        if (position < 0 || position + length > this.size) {
            throw new ImageError('Truncated', `${this.name} is truncated: its ${what} lies past the end of the file (${this.size} bytes). Copy the image again from its source.`);
        }
        const buf = Buffer.alloc(length);
        await this.readInto(buf, 0, length, position);
        return buf;
    }

    /** Reads up to `length` bytes at `position` into `buf` at `at`; bytes past the end of the file are zeros. */
    async readInto(buf: Buffer, at: number, length: number, position: number): Promise<void> {
        let done = 0;
        const avail = Math.max(0, Math.min(length, this.size - position));
        while (done < avail) {
            const { bytesRead } = await this.fd.read(buf, at + done, avail - done, position + done);
            if (bytesRead === 0) break;
            done += bytesRead;
        }
        if (done < length) buf.fill(0, at + done, at + length);
    }

    close(): Promise<void> {
        return this.fd.close();
    }
}
