/** Names of the checks a transfer reports, as people read them: one list for the toasts and the access panel. */
export const CHECK_LABELS: Readonly<Record<string, string>> = {
    'content-length': 'length',
    'range-md5': 'range MD5',
    size: 'size',
    'vhd-footer': 'VHD footer',
    'vhdx-signature': 'VHDX signature',
    'page-ranges': 'page ranges',
};

export function checkLabel(name: string): string {
    return CHECK_LABELS[name] ?? name;
}

/** "length, range MD5, size, VHD footer": the checks that passed, each once. */
export function checksSummary(checks: readonly { name: string; passed: boolean }[]): string {
    return [...new Set(checks.filter((c) => c.passed).map((c) => checkLabel(c.name)))].join(', ');
}
