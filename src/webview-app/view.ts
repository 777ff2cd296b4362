/**
 * Renders the access panel from the host's messages. Keeps revealed URLs in memory only.
 * Every text is a literal `l10n.t` call (main.ts configures the host's bundle), so the extractor sees it.
 */
import * as l10n from '@vscode/l10n';
import { formatBytes, formatDuration, formatRate } from '../shared/format';
import { type AccessRow, type BlobKind, type CheckInfo, type DownloadRowState, type HostMessage, type NoGrantReason, type PageMessage, type StateMessage } from '../shared/accessProtocol';
import type { CheckName } from '../shared/checks';
import { button, h, setText } from './dom';

interface RowEls {
    row: HTMLElement;
    url: HTMLElement;
    reveal: HTMLButtonElement;
    copy: HTMLButtonElement;
    download: HTMLButtonElement;
    cancel: HTMLButtonElement;
    progress: HTMLProgressElement;
    status: HTMLElement;
    checks: HTMLElement;
}

export class AccessView {
    private state: StateMessage | undefined;
    private readonly revealed = new Map<BlobKind, string>();
    private readonly downloads = new Map<BlobKind, DownloadRowState>();
    private readonly rows = new Map<BlobKind, RowEls>();
    private expiryEl: HTMLElement | undefined;
    private busyEl: HTMLElement | undefined;
    private grantAgainBtn: HTMLButtonElement | undefined;
    private downloadAllBtn: HTMLButtonElement | undefined;
    private wasExpired = false;

    constructor(private readonly root: HTMLElement, private readonly send: (m: PageMessage) => void) {}

    handle(m: HostMessage): void {
        switch (m.type) {
            case 'state':
                this.state = m;
                this.downloads.clear();
                for (const d of m.downloads) this.downloads.set(d.blob, d);
                for (const b of [...this.revealed.keys()]) if (!m.rows.some((r) => r.blob === b && r.present)) this.revealed.delete(b);
                this.renderGrant(m);
                return;
            case 'noGrant':
                this.state = undefined;
                this.revealed.clear();
                this.renderNoGrant(m.disk.name, m.reason);
                return;
            case 'revoked':
                this.revealed.clear();
                return;
            case 'revealed':
                this.revealed.set(m.blob, m.url);
                this.updateRow(m.blob);
                return;
            case 'copied':
                this.flash(m.blob, l10n.t('SAS URL copied to the clipboard.'));
                return;
            case 'downloadStarted':
                this.downloads.set(m.blob, { blob: m.blob, status: 'running', fileName: m.fileName, resumed: m.resumed });
                this.updateRow(m.blob);
                return;
            case 'progress': {
                const d = this.downloads.get(m.blob) ?? { blob: m.blob, status: 'running' as const };
                d.progress = { bytesDone: m.bytesDone, bytesPlanned: m.bytesPlanned, totalSize: m.totalSize, bytesPerSecond: m.bytesPerSecond, etaSeconds: m.etaSeconds };
                this.downloads.set(m.blob, d);
                this.updateRow(m.blob);
                return;
            }
            case 'downloadDone': {
                const prev = this.downloads.get(m.blob);
                this.downloads.set(m.blob, { blob: m.blob, status: 'done', checks: m.checks, fileName: m.fileName ?? prev?.fileName, progress: prev?.progress, resumed: prev?.resumed });
                this.updateRow(m.blob);
                return;
            }
            case 'downloadFailed': {
                const prev = this.downloads.get(m.blob);
                this.downloads.set(m.blob, { blob: m.blob, status: m.cancelled ? 'cancelled' : 'failed', message: m.message, fileName: prev?.fileName, progress: prev?.progress });
                this.updateRow(m.blob);
                return;
            }
            case 'busy':
                if (this.busyEl) setText(this.busyEl, m.label ?? '');
                return;
        }
    }

    /** Called every second: the countdown, and the switch to "expired". */
    tick(): void {
        if (!this.state || !this.expiryEl) return;
        const expired = this.isExpired();
        setText(this.expiryEl, expiryText(this.state.expiresAt));
        if (expired !== this.wasExpired) {
            this.wasExpired = expired;
            if (expired) this.revealed.clear();
            for (const r of this.state.rows) this.updateRow(r.blob);
            this.updateToolbar();
        }
    }

    private isExpired(): boolean {
        return !!this.state && Date.parse(this.state.expiresAt) <= Date.now();
    }

    private renderNoGrant(name: string, reason: NoGrantReason): void {
        this.rows.clear();
        this.expiryEl = undefined;
        this.downloadAllBtn = undefined;
        const text =
            reason === 'revoked'
                ? l10n.t('Access was revoked. The SAS URLs no longer work. This tab closes when access to another disk is granted.')
                : reason === 'reloaded'
                  ? l10n.t('The access granted before the window reloaded is no longer known here (SAS URLs are kept in memory only).')
                  : l10n.t('There is no active access grant for this disk.');
        this.busyEl = h('p', { className: 'busy', role: 'status' });
        this.grantAgainBtn = button(l10n.t('Grant again'), () => this.send({ type: 'grantAgain' }), { className: 'primary' });
        this.root.replaceChildren(
            h('header', {}, h('h1', {}, name)),
            h('p', { className: 'notice', 'data-state': 'no-grant' }, text),
            h('div', { className: 'toolbar' }, this.grantAgainBtn),
            this.busyEl,
        );
        this.root.setAttribute('aria-busy', 'false');
    }

    private renderGrant(s: StateMessage): void {
        this.rows.clear();
        this.wasExpired = this.isExpired();
        this.expiryEl = h('span', { className: 'expiry', 'data-role': 'expiry' }, expiryText(s.expiresAt));
        const expiresLocal = new Date(s.expiresAt).toLocaleString();
        const kind = s.disk.kind === 'snapshot' ? l10n.t('Snapshot') : s.disk.kind === 'diskRestorePoint' ? l10n.t('Disk restore point') : l10n.t('Disk');
        const access = s.access === 'Write' ? l10n.t('Write access') : l10n.t('Read access');
        const meta = h('p', { className: 'meta' }, `${kind} · ${access} · ${s.fileFormat} · ${l10n.t('expires {0}', expiresLocal)} · `, this.expiryEl);
        const present = s.rows.filter((r) => r.present);
        this.downloadAllBtn = button(l10n.t('Download all'), () => this.send({ type: 'download', blobs: present.map((r) => r.blob) }), { className: 'primary' });
        const revoke = button(l10n.t('Revoke access'), () => this.send({ type: 'revoke' }), { className: 'secondary' });
        this.grantAgainBtn = button(l10n.t('Grant again'), () => this.send({ type: 'grantAgain' }), { className: 'secondary' });
        this.busyEl = h('p', { className: 'busy', role: 'status' });
        const list = h('div', { className: 'rows', role: 'list' });
        for (const r of present) list.append(this.buildRow(r));
        this.root.replaceChildren(h('header', {}, h('h1', {}, s.disk.name), meta), h('div', { className: 'toolbar' }, this.downloadAllBtn, revoke, this.grantAgainBtn), this.busyEl, list);
        this.root.setAttribute('aria-busy', 'false');
        this.updateToolbar();
        for (const r of present) this.updateRow(r.blob);
    }

    private buildRow(r: AccessRow): HTMLElement {
        const labelId = `label-${r.blob}`;
        const described = { 'aria-describedby': labelId };
        const els: RowEls = {
            row: h('div', { className: 'row', role: 'listitem', 'data-blob': r.blob }),
            url: h('code', { className: 'url', 'data-role': 'url' }),
            reveal: button(l10n.t('Reveal'), () => this.toggleReveal(r.blob), { ...described, 'data-action': 'reveal' }),
            copy: button(l10n.t('Copy'), () => this.send({ type: 'copy', blob: r.blob }), { ...described, 'data-action': 'copy' }),
            download: button(l10n.t('Download'), () => this.send({ type: 'download', blobs: [r.blob] }), { ...described, 'data-action': 'download' }),
            cancel: button(l10n.t('Cancel'), () => this.send({ type: 'cancelDownload', blob: r.blob }), { ...described, 'data-action': 'cancel' }),
            progress: h('progress', { max: '100', value: '0', 'aria-labelledby': labelId }),
            status: h('div', { className: 'status', 'data-role': 'status', role: 'status' }),
            checks: h('ul', { className: 'checks', 'data-role': 'checks' }),
        };
        els.row.append(
            h('div', { className: 'label', id: labelId }, blobLabel(r.blob)),
            els.url,
            h('div', { className: 'actions' }, els.reveal, els.copy, els.download, els.cancel),
            els.progress,
            els.status,
            els.checks,
        );
        this.rows.set(r.blob, els);
        return els.row;
    }

    private toggleReveal(blob: BlobKind): void {
        if (this.revealed.has(blob)) {
            this.revealed.delete(blob);
            this.send({ type: 'hide', blob });
            this.updateRow(blob);
        } else {
            this.send({ type: 'reveal', blob });
        }
    }

    private updateToolbar(): void {
        const expired = this.isExpired();
        if (this.grantAgainBtn) this.grantAgainBtn.hidden = !expired;
        if (this.downloadAllBtn) this.downloadAllBtn.disabled = expired;
    }

    private updateRow(blob: BlobKind): void {
        const els = this.rows.get(blob);
        const row = this.state?.rows.find((r) => r.blob === blob);
        if (!els || !row) return;
        const expired = this.isExpired();
        const url = this.revealed.get(blob);
        setText(els.url, url ?? row.maskedUrl);
        els.url.classList.toggle('revealed', !!url);
        setText(els.reveal, url ? l10n.t('Hide') : l10n.t('Reveal'));
        els.reveal.disabled = expired;
        els.copy.disabled = expired;
        const d = this.downloads.get(blob);
        const running = d?.status === 'running';
        els.download.disabled = expired || running;
        els.cancel.hidden = !running;
        els.row.dataset.status = expired && !running && d?.status !== 'done' ? 'expired' : (d?.status ?? 'idle');
        this.renderProgress(els, d);
        setText(els.status, statusText(d, expired));
        renderChecks(els.checks, d?.status === 'done' ? d.checks : undefined);
    }

    private renderProgress(els: RowEls, d: DownloadRowState | undefined): void {
        const p = d?.progress;
        if (d?.status === 'done') {
            els.progress.max = 100;
            els.progress.value = 100;
        } else if (p && p.bytesPlanned > 0) {
            els.progress.max = p.bytesPlanned;
            els.progress.value = Math.min(p.bytesDone, p.bytesPlanned);
        } else if (d?.status === 'running') {
            els.progress.removeAttribute('value'); // indeterminate until the first figures arrive
        } else {
            els.progress.max = 100;
            els.progress.value = 0;
        }
    }

    private flash(blob: BlobKind, text: string): void {
        const els = this.rows.get(blob);
        if (!els) return;
        setText(els.status, text);
        setTimeout(() => this.updateRow(blob), 2500);
    }
}

function statusText(d: DownloadRowState | undefined, expired: boolean): string {
    if (!d) return expired ? l10n.t('Access expired. Grant again to download.') : '';
    switch (d.status) {
        case 'running': {
            const p = d.progress;
            if (!p) return d.resumed ? l10n.t('Resuming…') : l10n.t('Downloading…');
            const eta = p.etaSeconds !== undefined ? ` · ${l10n.t('{0} left', formatDuration(p.etaSeconds))}` : '';
            const figures = `${writtenOf(p.bytesDone, p.bytesPlanned, p.totalSize)} · ${formatRate(p.bytesPerSecond)}${eta}`;
            return d.resumed ? l10n.t('Resuming: {0}', figures) : l10n.t('Downloading: {0}', figures);
        }
        case 'done': {
            const failed = (d.checks ?? []).some((c) => !c.passed);
            if (failed) return d.fileName ? l10n.t('Downloaded as {0}, but verification failed', d.fileName) : l10n.t('Downloaded, but verification failed');
            if (d.resumed) return d.fileName ? l10n.t('Downloaded and verified as {0} (resumed from the partial download)', d.fileName) : l10n.t('Downloaded and verified (resumed from the partial download)');
            return d.fileName ? l10n.t('Downloaded and verified as {0}', d.fileName) : l10n.t('Downloaded and verified');
        }
        case 'failed':
            return d.message ?? l10n.t('Download failed.');
        case 'cancelled':
            return d.message ?? l10n.t('Download cancelled. It can be resumed.');
    }
}

/** "101 MiB of 1.0 GiB", with "written of" the disk's size when only part of it moves (as shared/format's formatWrittenOf, in words the bundle has). */
function writtenOf(done: number, planned: number, totalSize: number): string {
    return totalSize > 0 && totalSize !== planned
        ? l10n.t('{0} of {1} written of {2}', formatBytes(done), formatBytes(planned), formatBytes(totalSize))
        : l10n.t('{0} of {1}', formatBytes(done), formatBytes(planned));
}

function blobLabel(blob: BlobKind): string {
    switch (blob) {
        case 'disk':
            return l10n.t('Disk');
        case 'vmgs':
            return l10n.t('VM guest state');
        case 'vmmd':
            return l10n.t('VM metadata');
    }
}

/** The check names the page shows; typed over every CheckName, so a new check cannot appear in English only. */
const CHECK_TEXT: Readonly<Record<CheckName, () => string>> = {
    'content-length': () => l10n.t('length'),
    'range-md5': () => l10n.t('range MD5'),
    size: () => l10n.t('size'),
    'vhd-footer': () => l10n.t('VHD footer'),
    'vhdx-signature': () => l10n.t('VHDX signature'),
    'page-ranges': () => l10n.t('page ranges'),
    'sampled-md5': () => l10n.t('sampled MD5'),
};

function checkText(name: string): string {
    return (CHECK_TEXT as Record<string, (() => string) | undefined>)[name]?.() ?? name;
}

function renderChecks(ul: HTMLElement, checks: CheckInfo[] | undefined): void {
    if (!checks || checks.length === 0) {
        if (ul.childElementCount) ul.replaceChildren();
        ul.hidden = true;
        return;
    }
    ul.hidden = false;
    ul.replaceChildren(
        ...checks.map((c) =>
            h('li', { className: c.passed ? 'pass' : 'fail', 'data-check': c.name }, `${c.passed ? '✓' : '✗'} ${checkText(c.name)}${c.detail ? ` — ${c.detail}` : ''}`),
        ),
    );
}

export function expiryText(iso: string, now = Date.now()): string {
    const left = (Date.parse(iso) - now) / 1000;
    return left <= 0 ? l10n.t('Expired') : l10n.t('{0} left', formatDuration(left));
}
