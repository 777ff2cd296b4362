/**
 * What the engine command lines share: their flags (a value flag takes the next word, a switch
 * stands alone; anything else is positional), Ctrl-C / SIGTERM as a cancel, one JSON line of
 * result on stdout, and `error <code>: <message>` with exit 1 on failure.
 */
import { parseArgs } from 'node:util';

export interface EngineArgs {
    /** Words that are not flags, in order. */
    positionals: string[];
    /** The value given to a value flag, or undefined. */
    text(name: string): string | undefined;
    /** A value flag read as a number (undefined when absent). */
    number(name: string): number | undefined;
    /** Whether a switch was given. */
    has(name: string): boolean;
}

/**
 * Parses `argv` (without node and the script); exits with `usage` (status 2) on an unknown flag, a
 * value flag without a value, a non-numeric number, or fewer than `required` positionals.
 */
export function engineArgs(argv: readonly string[], spec: { values: readonly string[]; switches: readonly string[]; required: number; usage: string }): EngineArgs {
    const usage = (why: string): never => {
        console.error(`${why}\nusage: ${spec.usage}`);
        process.exit(2);
    };
    const options: Record<string, { type: 'string' | 'boolean' }> = {};
    for (const v of spec.values) options[v] = { type: 'string' };
    for (const s of spec.switches) options[s] = { type: 'boolean' };
    let parsed: ReturnType<typeof parseArgs>;
    try {
        parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    } catch (e) {
        return usage((e as Error).message);
    }
    const values = parsed.values as Record<string, string | boolean | undefined>;
    if (parsed.positionals.length < spec.required) usage(`expected ${spec.required} arguments, got ${parsed.positionals.length}`);
    return {
        positionals: parsed.positionals,
        text: (name) => {
            const v = values[name];
            return typeof v === 'string' ? v : undefined;
        },
        number: (name) => {
            const v = values[name];
            if (typeof v !== 'string') return undefined;
            const n = Number(v);
            if (!Number.isFinite(n)) usage(`--${name} takes a number, not "${v}"`);
            return n;
        },
        has: (name) => values[name] === true,
    };
}

/**
 * Runs one engine call: `work` gets a signal that Ctrl-C and SIGTERM abort, and returns what to
 * print; the time taken is added as `ms`.
 */
export function runEngine(work: (signal: AbortSignal) => Promise<Record<string, unknown>>): void {
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    process.once('SIGTERM', () => ac.abort());
    const t0 = process.hrtime.bigint();
    work(ac.signal).then((result) => {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        process.stdout.write(JSON.stringify({ ...result, ms }) + '\n');
    }, (e: Error & { code?: string }) => {
        process.stderr.write(`error ${e.code ?? e.name}: ${e.message}\n`);
        process.exit(1);
    });
}
