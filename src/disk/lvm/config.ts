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
    return new Parser(text, where).section(0);
}

/** A recursive-descent parser; every step consumes input or throws, and depth is bounded. */
class Parser {
    private pos = 0;
    private line = 1;

    constructor(private readonly text: string, private readonly where: string) {}

    section(depth: number): ConfigSection {
        if (depth > MAX_DEPTH) this.fail(`sections nested deeper than ${MAX_DEPTH}`);
        const out: ConfigSection = new Map();
        for (;;) {
            this.skip();
            if (this.pos >= this.text.length) {
                if (depth > 0) this.fail('a section is not closed');
                return out;
            }
            if (this.text[this.pos] === '}') {
                if (depth === 0) this.fail('"}" without a section');
                this.pos++;
                return out;
            }
            const key = this.match(/[A-Za-z0-9_+.\-/]+/y, 'a name');
            if (out.has(key)) this.fail(`"${key}" appears twice`);
            this.skip();
            const c = this.text[this.pos++];
            if (c === '{') {
                out.set(key, this.section(depth + 1));
            } else if (c === '=') {
                this.skip();
                out.set(key, this.value());
            } else {
                this.fail(`expected "=" or "{" after "${key}"`);
            }
        }
    }

    private fail(msg: string): never {
        throw new DiskFormatError(this.where, `line ${this.line}: ${msg}`);
    }

    /** Whitespace, NULs (the text is NUL-padded on disk) and `#` comments. */
    private skip(): void {
        const t = this.text;
        while (this.pos < t.length) {
            const c = t[this.pos];
            if (c === '#') {
                while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
            } else if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\0') {
                if (c === '\n') this.line++;
                this.pos++;
            } else {
                return;
            }
        }
    }

    private match(re: RegExp, what: string): string {
        re.lastIndex = this.pos;
        const m = re.exec(this.text);
        if (!m) this.fail(`expected ${what}, found ${JSON.stringify(this.text.slice(this.pos, this.pos + 10))}`);
        this.pos = re.lastIndex;
        return m![0];
    }

    /** A quoted string; a backslash takes the next character literally. */
    private string(): string {
        let out = '';
        this.pos++;
        for (;;) {
            if (this.pos >= this.text.length) this.fail('unterminated string');
            const c = this.text[this.pos++];
            if (c === '"') return out;
            if (c === '\n') this.line++;
            out += c === '\\' && this.pos < this.text.length ? this.text[this.pos++] : c;
        }
    }

    private scalar(): string | number {
        return this.text[this.pos] === '"' ? this.string() : Number(this.match(/-?[0-9]+(\.[0-9]+)?/y, 'a value'));
    }

    private value(): ConfigValue {
        if (this.text[this.pos] !== '[') return this.scalar();
        this.pos++;
        const arr: ConfigValue[] = [];
        for (;;) {
            this.skip();
            if (this.text[this.pos] === ']') {
                this.pos++;
                return arr;
            }
            if (arr.length >= MAX_ARRAY) this.fail('array too long');
            arr.push(this.scalar());
            this.skip();
            if (this.text[this.pos] === ',') this.pos++;
            else if (this.text[this.pos] !== ']') this.fail('expected "," or "]" in an array');
        }
    }
}
