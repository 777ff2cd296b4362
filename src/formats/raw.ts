/** Raw images, and the data part of fixed VHDs: the file's bytes are the disk's bytes. */
import { dataExtents } from './extents';
import type { ImageFile } from './file';
import type { Extent, ImageFormat, ImageReader } from './types';

/** Extents handed out at most this long, so one extent never needs a huge buffer. */
const MAX_EXTENT = 4 * 1024 * 1024;

export class FlatReader implements ImageReader {
    readonly notes: string[] = [];
    /** The file system's answer, asked once: each pass over the extents sees the same ones. */
    private ranges: { start: number; end: number }[] | undefined;

    constructor(
        private readonly file: ImageFile,
        readonly format: ImageFormat,
        /** Bytes of the file that are disk data (a fixed VHD's footer excluded). */
        readonly virtualSize: number,
        readonly footer: Buffer | undefined,
        private readonly log: (m: string) => void,
        private readonly query = true,
    ) {}

    async *extents(): AsyncIterable<Extent> {
        const note = (m: string) => {
            this.notes.push(m);
            this.log(m);
        };
        this.ranges ??= (this.query ? await dataExtents(this.file.path, this.virtualSize, note) : undefined) ?? [{ start: 0, end: this.virtualSize }];
        const ranges = this.ranges;
        for (const r of ranges) {
            for (let s = r.start; s < r.end; s += MAX_EXTENT) {
                const offset = s, length = Math.min(r.end, s + MAX_EXTENT) - s;
                yield { offset, length, read: (buf, at, skip, count) => this.file.readInto(buf, at, count, offset + skip) };
            }
        }
    }

    close(): Promise<void> {
        return this.file.close();
    }
}
