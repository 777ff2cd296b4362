/** Names Azure accepts for disks and snapshots. Pure: no vscode import. */

/** Azure's rule for disk (and snapshot) names: 1–80 letters, digits, '_', '-' or '.', starting with a letter or digit, ending with a letter, digit or '_'. */
export function diskNameProblem(name: string): string | undefined {
    if (name.length === 0) return 'Enter a name for the new disk.';
    if (name.length > 80) return `A disk name has at most 80 characters; this one has ${name.length}.`;
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) return 'A disk name may contain only letters, digits, underscores, hyphens and periods.';
    if (!/^[A-Za-z0-9]/.test(name)) return 'A disk name must start with a letter or a digit.';
    if (!/[A-Za-z0-9_]$/.test(name)) return 'A disk name must end with a letter, a digit or an underscore.';
    return undefined;
}
