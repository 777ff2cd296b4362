/** Names Azure accepts for disks and snapshots, and the names the wizards propose. Pure: no vscode import. */
import * as l10n from '@vscode/l10n';

const MAX_NAME = 80;

/** Azure's rule for disk (and snapshot) names: 1–80 letters, digits, '_', '-' or '.', starting with a letter or digit, ending with a letter, digit or '_'. */
export function diskNameProblem(name: string): string | undefined {
    if (name.length === 0) return l10n.t('Enter a name for the new disk.');
    if (name.length > MAX_NAME) return l10n.t('A disk name has at most 80 characters; this one has {0}.', name.length);
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) return l10n.t('A disk name may contain only letters, digits, underscores, hyphens and periods.');
    if (!/^[A-Za-z0-9]/.test(name)) return l10n.t('A disk name must start with a letter or a digit.');
    if (!/[A-Za-z0-9_]$/.test(name)) return l10n.t('A disk name must end with a letter, a digit or an underscore.');
    return undefined;
}

/** `text` with what Azure refuses in a name replaced by '-', runs of '-' collapsed, and the ends trimmed to what the rule allows. */
function cleaned(text: string): string {
    return text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/-{2,}/g, '-').replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9_]+$/, '');
}

/**
 * A name to propose: `base` made acceptable, cut so that `suffix` (e.g. "-copy") still fits in 80
 * characters, then the suffix; `fallback` when nothing of `base` is left. Always passes
 * diskNameProblem when `suffix` is empty or ends with a letter, digit or '_'.
 */
export function proposeDiskName(base: string, suffix = '', fallback = 'disk'): string {
    // Cleaned twice: the cut may end the stem on a character the rule refuses at the end.
    const stem = cleaned(cleaned(base).slice(0, MAX_NAME - suffix.length)) || fallback;
    return `${stem}${suffix}`.slice(0, MAX_NAME);
}
