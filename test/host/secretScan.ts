/**
 * Looks for every secret the sandbox issued (SAS `sig=` values, bearer tokens, storage account keys) in everything the
 * extension can have written during the host run: its log files, VS Code's state (state.vscdb and
 * the browser's IndexedDB/localStorage dump), the suite's capture of telemetry, toasts and webview
 * state. Reports which file and which secret (by index, never the value).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ScanCheck {
    title: string;
    ok: boolean;
    detail: string;
}

export interface ScanResult {
    checks: ScanCheck[];
    filesScanned: string[];
}

const CHUNK = 8 * 1024 * 1024;

/** The forms a secret can take once written: as issued, URL-encoded, URL-decoded, JSON-escaped. */
export function secretVariants(secret: string): string[] {
    const forms = new Set<string>([secret]);
    try {
        forms.add(decodeURIComponent(secret));
    } catch {
        // not percent-encoded
    }
    for (const f of [...forms]) {
        forms.add(encodeURIComponent(f));
        forms.add(JSON.stringify(f).slice(1, -1));
    }
    // Very short values would match by chance; the sandbox issues long ones.
    return [...forms].filter((f) => f.length >= 8);
}

export function listFiles(dir: string, out: string[] = []): string[] {
    if (!fs.existsSync(dir)) {
        return out;
    }
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
            listFiles(p, out);
        } else if (e.isFile()) {
            out.push(p);
        }
    }
    return out;
}

/** Indices of the needles found in the file, read in overlapping chunks (files may be disk images). */
export function findInFile(file: string, needles: Buffer[]): Set<number> {
    const found = new Set<number>();
    const overlap = Math.max(0, ...needles.map((n) => n.length)) - 1;
    const fd = fs.openSync(file, 'r');
    try {
        const buf = Buffer.alloc(CHUNK + overlap);
        let pos = 0;
        let carry = 0;
        for (;;) {
            const n = fs.readSync(fd, buf, carry, CHUNK, pos);
            if (n === 0) {
                break;
            }
            const view = buf.subarray(0, carry + n);
            needles.forEach((needle, i) => {
                if (!found.has(i) && view.indexOf(needle) !== -1) {
                    found.add(i);
                }
            });
            pos += n;
            carry = Math.min(overlap, view.length);
            view.copy(buf, 0, view.length - carry);
        }
    } finally {
        fs.closeSync(fd);
    }
    return found;
}

export function scanForSecrets(opts: { secrets: string[]; runDir: string; userDataDir: string; extensionId: string; extraFiles?: string[] }): ScanResult {
    const checks: ScanCheck[] = [];
    const secrets = [...new Set(opts.secrets.filter((s) => s && s.length >= 8))];
    checks.push({
        title: 'secrets scan: the sandbox issued SAS signatures and bearer tokens to look for',
        ok: secrets.length > 0,
        detail: `${secrets.length} secrets issued`,
    });

    const files = [...listFiles(opts.runDir), ...(opts.extraFiles ?? []).filter((f) => fs.existsSync(f))];
    const rel = (f: string) => (f.startsWith(opts.runDir) ? path.relative(opts.runDir, f) : f);
    const logs = files.filter((f) => f.startsWith(path.join(opts.userDataDir, 'logs')));
    const extLogs = logs.filter((f) => f.toLowerCase().includes(opts.extensionId) && fs.statSync(f).size > 0);
    checks.push({
        title: "secrets scan: saw the extension's log file",
        ok: extLogs.length > 0,
        detail: extLogs.length ? extLogs.map(rel).join(', ') : `no non-empty log under logs/ for ${opts.extensionId} (${logs.length} log files)`,
    });
    const stateFiles = files.filter((f) => path.basename(f) === 'state.vscdb' || path.basename(f) === 'browser-storage.json');
    const stateHasExtension = stateFiles.some((f) => findInFile(f, [Buffer.from(opts.extensionId)]).size > 0);
    checks.push({
        title: "secrets scan: saw VS Code's state storage holding the extension's state",
        ok: stateHasExtension,
        detail: stateFiles.length ? `${stateFiles.map(rel).join(', ')} do not mention ${opts.extensionId}` : 'no state.vscdb or browser storage dump',
    });
    const capture = files.find((f) => path.basename(f) === 'host-capture.json');
    let captureDetail = 'host-capture.json missing';
    let captureOk = false;
    if (capture) {
        const c = JSON.parse(fs.readFileSync(capture, 'utf8')) as { telemetry?: unknown[]; toasts?: unknown[] };
        captureOk = (c.telemetry?.length ?? 0) > 0 && (c.toasts?.length ?? 0) > 0;
        captureDetail = `${c.telemetry?.length ?? 0} telemetry events, ${c.toasts?.length ?? 0} toasts captured`;
    }
    checks.push({ title: 'secrets scan: saw the telemetry events and toasts of the run', ok: captureOk, detail: captureDetail });

    const variants = secrets.map(secretVariants);
    const needles = variants.flat().map((v) => Buffer.from(v));
    const owner = variants.flatMap((vs, i) => vs.map(() => i));
    const leaks: string[] = [];
    for (const f of files) {
        const hits = findInFile(f, needles);
        const which = [...new Set([...hits].map((h) => owner[h]))];
        if (which.length) {
            leaks.push(`${rel(f)} (secret #${which.join(', #')})`);
        }
    }
    checks.push({
        title: `secrets scan: no SAS signature, token or account key in ${files.length} files written during the run`,
        ok: leaks.length === 0,
        detail: leaks.join('; '),
    });
    return { checks, filesScanned: files };
}
