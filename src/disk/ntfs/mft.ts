/**
 * The Master File Table: where its records lie (the $DATA runlist of record 0, which may be
 * fragmented and even spread over extension records), reading records singly or many at once, and
 * gathering a file's attributes from its base record and the extension records its
 * $ATTRIBUTE_LIST names.
 */
import { BlockDevice, DiskFormatError } from '../types';
import { NtfsGeometry } from './boot';
import { ATTR, Attribute, MftRecord, applyFixups, parseRecord, refRecord, u16, u32 } from './record';
import { NonResident, Run, findRun, joinPieces, joinRuns, readMapped } from './runlist';
import { StreamSource, readStream } from './stream';

/** Records read together when they lie this close on disk (a gap costs less than another read). */
const GAP = 64 * 1024;
const SPAN = 1024 * 1024;
const CACHE_RECORDS = 16384;
/** An attribute list longer than this is not one any writer makes (it holds one entry per attribute). */
const MAX_ATTRIBUTE_LIST = 1024 * 1024;

export interface FileRecord {
    base: MftRecord;
    /** The base record's attributes and those of its extension records, the list itself left out. */
    attributes: Attribute[];
}

export class Mft {
    private readonly cache = new Map<number, MftRecord>();

    private constructor(
        readonly dev: BlockDevice,
        readonly geo: NtfsGeometry,
        private runs: Run[],
        public recordCount: number,
    ) {}

    /** Reads record 0 at the boot sector's MFT cluster and maps the whole MFT from its $DATA. */
    static async open(dev: BlockDevice, geo: NtfsGeometry): Promise<Mft> {
        const size = geo.mftRecordSize;
        // Bootstrap with one run: record 0 itself, where the boot sector says the MFT starts.
        const boot = new Mft(dev, geo, [{ vcn: 0, lcn: geo.mftLcn, length: Math.ceil(size / geo.clusterSize) }], 1);
        const rec0 = await boot.readOne(0);
        const data = rec0.attributes.filter((a) => a.type === ATTR.DATA && a.name === '');
        if (!data.length || data[0].resident) throw new DiskFormatError('NTFS MFT record 0', 'has no non-resident $DATA: this is not the $MFT', geo.mftLcn * geo.clusterSize);
        const pieces = [...data];
        const list = rec0.attributes.find((a) => a.type === ATTR.ATTRIBUTE_LIST);
        if (list) {
            boot.runs = joinRuns(data, geo.totalClusters, '$MFT');
            // The rest of $MFT's runlist lies in extension records, which must lie in the part
            // already mapped (each extension is read through the runs known so far).
            for (const e of await boot.attributeList(list, 0)) {
                if (e.type !== ATTR.DATA || e.name !== '' || e.record === 0) continue;
                boot.recordCount = Math.floor(boot.runs.reduce((n, r) => n + r.length, 0) * geo.clusterSize / size);
                const ext = await boot.extension(e.record, 0);
                pieces.push(...ext.attributes.filter((a) => a.type === ATTR.DATA && a.name === '' && !pieces.includes(a)));
                boot.runs = joinRuns(pieces, geo.totalClusters, '$MFT');
            }
        }
        const joined = joinPieces(pieces, geo.totalClusters, geo.clusterSize, '$MFT');
        const count = Math.floor(joined.dataSize / size);
        if (count < 16) throw new DiskFormatError('NTFS MFT', `holds ${count} records, fewer than the 16 system files`, geo.mftLcn * geo.clusterSize);
        const mft = new Mft(dev, geo, joined.runs, count);
        mft.cache.set(0, rec0);
        return mft;
    }

    /** Where record `n` lies on the device, or undefined when it straddles runs. */
    private locate(n: number): number | undefined {
        const off = n * this.geo.mftRecordSize;
        const cs = this.geo.clusterSize;
        const i = findRun(this.runs, Math.floor(off / cs));
        if (i < 0) throw new DiskFormatError('NTFS MFT', `record ${n} is not mapped by the $MFT runlist`);
        const r = this.runs[i];
        if (r.lcn < 0) throw new DiskFormatError('NTFS MFT', `record ${n} lies in a sparse run of the $MFT`);
        if (off + this.geo.mftRecordSize > (r.vcn + r.length) * cs) return undefined;
        return r.lcn * cs + (off - r.vcn * cs);
    }

    private checkNumber(n: number, what = 'MFT reference'): void {
        if (!Number.isSafeInteger(n) || n < 0 || n >= this.recordCount) {
            throw new DiskFormatError('NTFS MFT', `${what} to record ${n} lies beyond the MFT (${this.recordCount} records)`);
        }
    }

    /** Fixes up and parses a record; `raw` must be a copy (a device may hand out its own buffer). */
    private finish(raw: Uint8Array, n: number, at: number): MftRecord {
        applyFixups(raw, 'FILE', `NTFS MFT record ${n}`, at);
        const rec = parseRecord(raw, n, at);
        if (this.cache.size >= CACHE_RECORDS) this.cache.clear();
        this.cache.set(n, rec);
        return rec;
    }

    private async readOne(n: number): Promise<MftRecord> {
        const at = this.locate(n);
        const raw = at === undefined
            ? await readMapped(this.dev, this.geo.clusterSize, this.runs, n * this.geo.mftRecordSize, this.geo.mftRecordSize, '$MFT')
            : new Uint8Array(await this.dev.read(at, this.geo.mftRecordSize));
        return this.finish(raw, n, at ?? 0);
    }

    /** Record `n`, read from the device once and then kept. */
    async record(n: number): Promise<MftRecord> {
        this.checkNumber(n);
        return this.cache.get(n) ?? this.readOne(n);
    }

    /** Reads the records not yet cached, grouping those that lie close on disk into one read each. */
    async prefetch(numbers: number[]): Promise<void> {
        const size = this.geo.mftRecordSize;
        const wanted: { n: number; at: number }[] = [];
        for (const n of new Set(numbers)) {
            this.checkNumber(n);
            if (this.cache.has(n)) continue;
            const at = this.locate(n);
            if (at === undefined) await this.readOne(n);
            else wanted.push({ n, at });
        }
        wanted.sort((a, b) => a.at - b.at);
        for (let i = 0; i < wanted.length;) {
            let j = i + 1;
            while (j < wanted.length && wanted[j].at - (wanted[j - 1].at + size) <= GAP && wanted[j].at + size - wanted[i].at <= SPAN) j++;
            const start = wanted[i].at;
            const buf = await this.dev.read(start, wanted[j - 1].at + size - start);
            for (let k = i; k < j; k++) this.finish(new Uint8Array(buf.subarray(wanted[k].at - start, wanted[k].at - start + size)), wanted[k].n, wanted[k].at);
            i = j;
        }
    }

    private async extension(n: number, base: number): Promise<MftRecord> {
        this.checkNumber(n, `attribute list of record ${base}: extension`);
        const ext = await this.record(n);
        const what = `NTFS attribute list of MFT record ${base}`;
        if (!ext.inUse) throw new DiskFormatError(what, `extension record ${n} is not in use`);
        if (ext.baseRecord !== base) throw new DiskFormatError(what, `extension record ${n} names record ${ext.baseRecord} as its base, not ${base}`);
        if (ext.attributes.some((a) => a.type === ATTR.ATTRIBUTE_LIST)) throw new DiskFormatError(what, `extension record ${n} holds an attribute list of its own`);
        return ext;
    }

    /** The entries of an $ATTRIBUTE_LIST: each attribute's type, name, first VCN and record. */
    private async attributeList(list: Attribute, base: number): Promise<{ type: number; name: string; record: number }[]> {
        const what = `NTFS attribute list of MFT record ${base}`;
        let src: StreamSource;
        if (list.resident) src = { resident: list.value! };
        else src = { nonResident: joinPieces([list], this.geo.totalClusters, this.geo.clusterSize, what) };
        const size = 'resident' in src ? src.resident.length : src.nonResident.dataSize;
        if (size > MAX_ATTRIBUTE_LIST) throw new DiskFormatError(what, `is ${size} bytes long`);
        const b = await readStream(this.dev, this.geo.clusterSize, src, 0, size, what);
        const out: { type: number; name: string; record: number }[] = [];
        for (let at = 0; at < b.length;) {
            const len = at + 0x1a <= b.length ? u16(b, at + 4) : 0;
            const nameLen = b[at + 6];
            const nameOff = b[at + 7];
            if (len < 0x1a || at + len > b.length || len % 8 !== 0 || (nameLen && nameOff + 2 * nameLen > len)) {
                throw new DiskFormatError(what, `entry at byte ${at} (length ${len}) overruns the list`);
            }
            let name = '';
            for (let i = 0; i < nameLen; i++) name += String.fromCharCode(u16(b, at + nameOff + 2 * i));
            out.push({ type: u32(b, at), name, record: refRecord(b, at + 0x10) });
            at += len;
        }
        return out;
    }

    /** A file's base record and all its attributes, wherever they lie. */
    async file(n: number): Promise<FileRecord> {
        const base = await this.record(n);
        if (!base.inUse) throw new DiskFormatError(`NTFS MFT record ${n}`, 'is referenced but not in use');
        if (base.baseRecord !== 0) throw new DiskFormatError(`NTFS MFT record ${n}`, `is an extension of record ${base.baseRecord}, not a file`);
        const list = base.attributes.find((a) => a.type === ATTR.ATTRIBUTE_LIST);
        const attributes = base.attributes.filter((a) => a.type !== ATTR.ATTRIBUTE_LIST);
        if (!list) return { base, attributes };
        const records = [...new Set((await this.attributeList(list, n)).map((e) => e.record))].filter((r) => r !== n);
        for (const r of records) this.checkNumber(r, `attribute list of record ${n}: extension`);
        await this.prefetch(records);
        for (const r of records) attributes.push(...(await this.extension(r, n)).attributes);
        return { base, attributes };
    }

    /** Joins the pieces of a non-resident attribute of a file. */
    stream(pieces: Attribute[], what: string): NonResident {
        return joinPieces(pieces, this.geo.totalClusters, this.geo.clusterSize, what);
    }
}
