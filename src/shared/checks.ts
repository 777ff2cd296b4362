/**
 * The checks every transfer reports (download, upload, copy, and the plans built on them), by one
 * set of names, and how people read them: one list for the toasts, the log and the access panel.
 */
export type CheckName = 'content-length' | 'range-md5' | 'size' | 'vhd-footer' | 'vhdx-signature' | 'page-ranges' | 'sampled-md5';

export interface TransferCheck<N extends CheckName = CheckName> {
    name: N;
    passed: boolean;
    detail?: string;
}

export const CHECK_LABELS: Readonly<Record<CheckName, string>> = {
    'content-length': 'length',
    'range-md5': 'range MD5',
    size: 'size',
    'vhd-footer': 'VHD footer',
    'vhdx-signature': 'VHDX signature',
    'page-ranges': 'page ranges',
    'sampled-md5': 'sampled MD5',
};

export function checkLabel(name: string): string {
    return (CHECK_LABELS as Record<string, string>)[name] ?? name;
}

/** "length, range MD5, size, VHD footer": the checks that passed, each once. */
export function checksSummary(checks: readonly { name: string; passed: boolean }[]): string {
    return [...new Set(checks.filter((c) => c.passed).map((c) => checkLabel(c.name)))].join(', ');
}
