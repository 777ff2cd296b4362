/** The Grant Access wizard's pure parts: durations, which steps apply, and the request they make. No vscode import. */
import * as l10n from '@vscode/l10n';
import { canGrantWrite, exportsVhdxOnly } from '../../shared/diskStates';
import type { DiskInfo, GrantRequest } from '../../shared/types';

/** Azure's cap on a SAS lifetime: 60 days. */
export const MAX_DURATION_SECONDS = 5_184_000;

export interface GrantContext {
    disk: DiskInfo;
    access?: 'Read' | 'Write';
    durationInSeconds?: number;
    getSecureVMGuestStateSAS?: boolean;
    fileFormat?: 'VHD' | 'VHDX';
}

export type StepId = 'access' | 'duration' | 'guestState' | 'format';

/** The offered lifetimes; a function, so each label is translated after the bundle is configured. */
export function durationChoices(): { label: string; seconds: number }[] {
    return [
        { label: l10n.t('1 hour'), seconds: 3600 },
        { label: l10n.t('8 hours'), seconds: 8 * 3600 },
        { label: l10n.t('24 hours'), seconds: 24 * 3600 },
        { label: l10n.t('7 days'), seconds: 7 * 86400 },
    ];
}

/** Write is possible only on a disk created for upload. */
export function accessChoices(disk: DiskInfo): ('Read' | 'Write')[] {
    return canGrantWrite(disk) ? ['Write', 'Read'] : ['Read'];
}

/** Snapshots and disk restore points can be exported as VHDX too; disks only as VHD. */
export function offersVhdx(disk: DiskInfo): boolean {
    return disk.kind === 'snapshot' || disk.kind === 'diskRestorePoint';
}

export function hasSecurityProfile(disk: DiskInfo): boolean {
    return !!disk.securityType;
}

/** The formats a snapshot or restore point can be exported as: VHDX only for 4096-byte sectors. */
export function formatChoices(disk: DiskInfo): ('VHD' | 'VHDX')[] {
    if (!offersVhdx(disk)) return ['VHD'];
    return exportsVhdxOnly(disk) ? ['VHDX'] : ['VHD', 'VHDX'];
}

/** `shouldPrompt` of each step, for the values a caller already knows (preset) and the disk. */
export function shouldPrompt(step: StepId, ctx: GrantContext): boolean {
    switch (step) {
        case 'access':
            // Read is the only choice but for a disk created for upload: nothing to ask (the title says why).
            return ctx.access === undefined && accessChoices(ctx.disk).length > 1;
        case 'duration':
            return ctx.durationInSeconds === undefined;
        case 'guestState':
            return ctx.getSecureVMGuestStateSAS === undefined && hasSecurityProfile(ctx.disk);
        case 'format':
            return ctx.fileFormat === undefined && offersVhdx(ctx.disk);
    }
}

export const STEP_ORDER: readonly StepId[] = ['access', 'duration', 'guestState', 'format'];

export function stepsToPrompt(ctx: GrantContext): StepId[] {
    return STEP_ORDER.filter((s) => shouldPrompt(s, ctx));
}

const UNITS: Record<string, number> = { s: 1, sec: 1, m: 60, min: 60, h: 3600, hr: 3600, d: 86400, day: 86400, days: 86400, w: 604800 };

/**
 * "90m", "36h", "2d", "1h30m" or plain seconds "3600" → seconds; an error message otherwise
 * (0, negative, more than 60 days, text).
 */
export function parseDuration(text: string): { seconds: number } | { error: string } {
    const t = text.trim().toLowerCase();
    const help = l10n.t('Enter a duration such as 90m, 36h or 2d, or a number of seconds (1 second to 60 days).');
    if (!t) return { error: help };
    let seconds: number;
    if (/^-/.test(t)) return { error: l10n.t('The duration must be positive. {0}', help) };
    if (/^\d+$/.test(t)) {
        seconds = Number(t);
    } else {
        const re = /(\d+(?:\.\d+)?)\s*(sec|s|min|m|hr|h|days|day|d|w)/gy;
        seconds = 0;
        let m: RegExpExecArray | null;
        let consumed = 0;
        while ((m = re.exec(t)) !== null) {
            seconds += Number(m[1]) * UNITS[m[2]];
            consumed = re.lastIndex;
            while (t[re.lastIndex] === ' ') re.lastIndex++;
        }
        if (consumed === 0 || t.slice(consumed).trim() !== '') return { error: l10n.t('"{0}" is not a duration. {1}', text.trim(), help) };
        seconds = Math.round(seconds);
    }
    if (!Number.isFinite(seconds) || seconds < 1) return { error: l10n.t('The duration must be at least 1 second. {0}', help) };
    if (seconds > MAX_DURATION_SECONDS) return { error: l10n.t('Azure allows at most 60 days (5,184,000 seconds); "{0}" is longer.', text.trim()) };
    return { seconds };
}

export function toRequest(ctx: GrantContext): GrantRequest {
    const req: GrantRequest = { access: ctx.access ?? 'Read', durationInSeconds: ctx.durationInSeconds ?? 3600 };
    if (offersVhdx(ctx.disk)) req.fileFormat = ctx.fileFormat ?? (exportsVhdxOnly(ctx.disk) ? 'VHDX' : 'VHD');
    if (hasSecurityProfile(ctx.disk) && ctx.getSecureVMGuestStateSAS) req.getSecureVMGuestStateSAS = true;
    return req;
}
