/**
 * The volume group described by LVM2 metadata text (lvm2 doc/lvm2-metadata format, as vgcfgbackup
 * writes it): physical volumes with their first extent, logical volumes with their segments.
 */
import { DiskFormatError } from '../types';
import { ConfigSection, ConfigValue, parseConfig } from './config';

export type LvKind = 'linear' | 'striped' | 'thin' | 'thin-pool' | 'raid' | 'mirror' | 'cache' | 'snapshot' | 'other';

export interface LvSegment {
    startExtent: number;
    extentCount: number;
    /** The PV's name in the metadata (`pv0`). */
    pvName: string;
    pvStartExtent: number;
}

export interface LogicalVolume {
    name: string;
    uuid: string;
    /** Bytes (for a thin volume, its virtual size). */
    size: number;
    kind: LvKind;
    segmentTypes: string[];
    /** Whether {@link lvDevice} can map it: linear volumes, single-stripe segments only. */
    readable: boolean;
    /** Extents mapped onto PVs (one per stripe); empty for kinds that map onto other volumes. */
    segments: LvSegment[];
}

export interface PhysicalVolume {
    /** As the metadata names it (`pv0`): the key of the map {@link lvDevice} takes. */
    name: string;
    /** As LVM prints it, and as the PV's own header says ({@link pvIdOf}). */
    uuid: string;
    /** Bytes from the start of the PV to its first extent. */
    peStart: number;
    peCount: number;
    /** The device path when the metadata was written: a hint only. */
    deviceHint?: string;
}

export interface VolumeGroup {
    name: string;
    uuid: string;
    /** Bytes. */
    extentSize: number;
    seqno: number;
    pvs: PhysicalVolume[];
    /** The visible logical volumes, in metadata order (hidden ones such as thin-pool data are internal). */
    lvs: LogicalVolume[];
    /** Damage worked around: a metadata area that could not be read while another could. */
    warnings: string[];
}

const SECTOR = 512;

class Reader {
    constructor(readonly where: string) {}
    fail(msg: string): never {
        throw new DiskFormatError(this.where, msg);
    }
    section(s: ConfigSection, key: string, ctx: string): ConfigSection {
        const v = s.get(key);
        return v instanceof Map ? v : this.fail(`${ctx} has no section "${key}"`);
    }
    str(s: ConfigSection, key: string, ctx: string): string {
        const v = s.get(key);
        return typeof v === 'string' ? v : this.fail(`${ctx} has no string "${key}"`);
    }
    int(s: ConfigSection, key: string, ctx: string): number {
        const v = s.get(key);
        return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : this.fail(`${ctx}: "${key}" is not a whole number (${String(v)})`);
    }
    array(s: ConfigSection, key: string, ctx: string): ConfigValue[] {
        const v = s.get(key);
        return Array.isArray(v) ? v : this.fail(`${ctx} has no array "${key}"`);
    }
}

/** Parses metadata text and checks every extent it maps against its PV's extent count. */
export function volumeGroupFromText(text: string, where: string): VolumeGroup {
    const r = new Reader(where);
    const top = parseConfig(text, where);
    const vgs = [...top].filter((e): e is [string, ConfigSection] => e[1] instanceof Map);
    if (vgs.length !== 1) r.fail(`holds ${vgs.length} volume groups, not one`);
    const [name, vg] = vgs[0];
    const ctx = `volume group ${name}`;
    const extentSectors = r.int(vg, 'extent_size', ctx);
    if (extentSectors === 0) r.fail(`${ctx}: extent size 0`);
    const extentSize = extentSectors * SECTOR;
    const pvs: PhysicalVolume[] = [];
    for (const [pvName, pv] of r.section(vg, 'physical_volumes', ctx)) {
        if (!(pv instanceof Map)) continue;
        const c = `PV ${pvName}`;
        const hint = pv.get('device');
        pvs.push({
            name: pvName,
            uuid: r.str(pv, 'id', c),
            peStart: safe(r, r.int(pv, 'pe_start', c) * SECTOR, c),
            peCount: r.int(pv, 'pe_count', c),
            deviceHint: typeof hint === 'string' ? hint : undefined,
        });
    }
    const lvSections = [...r.section(vg, 'logical_volumes', ctx)].filter((e): e is [string, ConfigSection] => e[1] instanceof Map);
    const cows = new Set<string>();
    for (const [, lv] of lvSections) {
        for (const [, seg] of lv) if (seg instanceof Map && typeof seg.get('cow_store') === 'string') cows.add(seg.get('cow_store') as string);
    }
    const lvs = lvSections
        .filter(([, lv]) => (lv.get('status') as ConfigValue[] | undefined)?.includes('VISIBLE') === true)
        .map(([lvName, lv]) => logicalVolume(r, lvName, lv, { extentSize, pvs, cow: cows.has(lvName) }));
    return { name, uuid: r.str(vg, 'id', ctx), extentSize, seqno: r.int(vg, 'seqno', ctx), pvs, lvs, warnings: [] };
}

function safe(r: Reader, n: number, ctx: string): number {
    return Number.isSafeInteger(n) ? n : r.fail(`${ctx}: ${n} bytes is too large`);
}

function logicalVolume(r: Reader, name: string, lv: ConfigSection, vg: { extentSize: number; pvs: PhysicalVolume[]; cow: boolean }): LogicalVolume {
    const ctx = `logical volume ${name}`;
    const segs = [...lv].filter(([k, v]) => /^segment\d+$/.test(k) && v instanceof Map).map(([k, v]) => [k, v] as [string, ConfigSection]);
    segs.sort((a, b) => r.int(a[1], 'start_extent', ctx) - r.int(b[1], 'start_extent', ctx));
    const segmentTypes: string[] = [];
    const segments: LvSegment[] = [];
    let next = 0;
    let linear = true;
    for (const [key, seg] of segs) {
        const c = `${ctx} ${key}`;
        const startExtent = r.int(seg, 'start_extent', c);
        const extentCount = r.int(seg, 'extent_count', c);
        if (startExtent !== next || extentCount === 0) r.fail(`${c}: extents ${startExtent}+${extentCount} do not follow on from extent ${next}`);
        next = safe(r, startExtent + extentCount, c);
        const type = r.str(seg, 'type', c);
        if (!segmentTypes.includes(type)) segmentTypes.push(type);
        if (type !== 'striped') continue;
        const stripes = r.array(seg, 'stripes', c);
        const count = r.int(seg, 'stripe_count', c);
        if (count === 0 || stripes.length !== count * 2 || extentCount % count !== 0) r.fail(`${c}: ${count} stripes do not match [${stripes.length / 2} areas] over ${extentCount} extents`);
        if (count > 1) linear = false;
        for (let i = 0; i < stripes.length; i += 2) {
            const pvName = stripes[i];
            const pvStartExtent = stripes[i + 1];
            const pv = vg.pvs.find((p) => p.name === pvName);
            if (!pv) r.fail(`${c}: stripe ${i / 2} names unknown PV ${String(pvName)}`);
            if (typeof pvStartExtent !== 'number' || !Number.isSafeInteger(pvStartExtent) || pvStartExtent < 0) r.fail(`${c}: stripe ${i / 2} starts at ${String(pvStartExtent)}`);
            const area = extentCount / count;
            if (pvStartExtent + area > pv!.peCount) {
                r.fail(`${c}: extents ${pvStartExtent}..${pvStartExtent + area - 1} lie past the ${pv!.peCount} extents of PV ${pv!.name}`);
            }
            segments.push({ startExtent, extentCount: area, pvName: pv!.name, pvStartExtent });
        }
    }
    const kind = vg.cow ? 'snapshot' : kindOf(segmentTypes, linear);
    return {
        name,
        uuid: r.str(lv, 'id', ctx),
        size: safe(r, next * vg.extentSize, ctx),
        kind,
        segmentTypes,
        readable: kind === 'linear',
        segments: kind === 'linear' || kind === 'striped' || kind === 'snapshot' ? segments : [],
    };
}

function kindOf(types: string[], singleStripe: boolean): LvKind {
    if (types.length === 0) return 'other';
    if (types.every((t) => t === 'striped')) return singleStripe ? 'linear' : 'striped';
    const named: [RegExp, LvKind][] = [
        [/^thin-pool$/, 'thin-pool'], [/^thin$/, 'thin'], [/^raid/, 'raid'], [/^mirror$/, 'mirror'],
        [/^(cache|cache-pool|writecache)$/, 'cache'], [/^snapshot$/, 'snapshot'],
    ];
    for (const [re, kind] of named) if (types.some((t) => re.test(t))) return kind;
    return 'other';
}
