/**
 * The LVM2 text configuration format the volume-group metadata is written in (lvm.conf(5), "Syntax"):
 * `name { … }` sections, `key = value` with strings, numbers and `[ … ]` arrays, `#` comments.
 * Sections keep their order (the order LVM wrote volumes in) in a Map.
 */
import { DiskFormatError } from '../types';

export type ConfigValue = string | number | ConfigValue[] | ConfigSection;
export type ConfigSection = Map<string, ConfigValue>;

/** Deeper than LVM ever writes (top, VG, logical_volumes, LV, segment: five). */
export const MAX_DEPTH = 16;
export const MAX_TEXT = 16 * 1024 * 1024;
const MAX_ARRAY = 1_000_000;

export function parseConfig(text: string, where: string): ConfigSection {
    if (text.length > MAX_TEXT) throw new DiskFormatError(where, `metadata text of ${text.length} characters (at most ${MAX_TEXT})`);
    let pos = 0;
    let line = 1;
    const fail = (msg: string): never => {
        throw new DiskFormatError(where, `line ${line}: ${msg}`);
    };
    const skip = (): void => {
        while (pos < text.length) {
            const c = text[pos];
            if (c === '\n') line++;
            if (c === '#') {
                while (pos < text.length && text[pos] !== '\n') pos++;
            } else if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\0') {
                pos++;
            } else {
                return;
            }
        }
    };
    const ident = (): string => {
        const m = /[A-Za-z0-9_+.\-/]+/y;
        m.lastIndex = pos;
        const r = m.exec(text);
        if (!r) fail(`expected a name, found ${JSON.stringify(text.slice(pos, pos + 10))}`);
        pos = m.lastIndex;
        return r![0];
    };
    const str = (): string => {
        let out = '';
        pos++; // opening quote
        for (;;) {
            if (pos >= text.length) fail('unterminated string');
            const c = text[pos++];
            if (c === '"') return out;
            if (c === '\\' && pos < text.length) out += text[pos++];
            else out += c;
        }
    };
    const num = (): number => {
        const m = /-?[0-9]+(\.[0-9]+)?/y;
        m.lastIndex = pos;
        const r = m.exec(text);
        if (!r) fail(`expected a value, found ${JSON.stringify(text.slice(pos, pos + 10))}`);
        pos = m.lastIndex;
        return Number(r![0]);
    };
    const scalar = (): string | number => (text[pos] === '"' ? str() : num());
    const value = (): ConfigValue => {
        if (text[pos] !== '[') return scalar();
        pos++;
        const arr: ConfigValue[] = [];
        for (;;) {
            skip();
            if (text[pos] === ']') {
                pos++;
                return arr;
            }
            if (arr.length >= MAX_ARRAY) fail('array too long');
            arr.push(scalar());
            skip();
            if (text[pos] === ',') pos++;
            else if (text[pos] !== ']') fail(`expected "," or "]" in an array`);
        }
    };
    const section = (depth: number): ConfigSection => {
        if (depth > MAX_DEPTH) fail(`sections nested deeper than ${MAX_DEPTH}`);
        const out: ConfigSection = new Map();
        for (;;) {
            skip();
            if (pos >= text.length) {
                if (depth > 0) fail('a section is not closed');
                return out;
            }
            if (text[pos] === '}') {
                if (depth === 0) fail('"}" without a section');
                pos++;
                return out;
            }
            const key = ident();
            if (out.has(key)) fail(`"${key}" appears twice`);
            skip();
            if (text[pos] === '{') {
                pos++;
                out.set(key, section(depth + 1));
            } else if (text[pos] === '=') {
                pos++;
                skip();
                out.set(key, value());
            } else {
                fail(`expected "=" or "{" after "${key}"`);
            }
        }
    };
    return section(0);
}
