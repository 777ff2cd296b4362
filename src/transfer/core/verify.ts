/** Whole-file checks after the last chunk: size, then the VHD footer or the VHDX signature. */
import type { OutputFile } from './file';
import type { VerificationCheck } from './types';
import { checkVhdFooter, checkVhdxHeader, VHD_FOOTER_SIZE } from '../../formats/footer';

export async function verifyFile(file: OutputFile, expectedSize: number, format: 'vhd' | 'vhdx' | 'auto' | 'none'): Promise<VerificationCheck[]> {
    const checks: VerificationCheck[] = [];
    const size = await file.size();
    checks.push(size === expectedSize
        ? { name: 'size', passed: true, detail: `${size} bytes` }
        : { name: 'size', passed: false, detail: `file is ${size} bytes, expected ${expectedSize}` });
    if (format === 'none') return checks;
    let kind = format;
    if (kind === 'auto') {
        const head = size >= 8 ? await file.read(8, 0) : Buffer.alloc(0);
        const tail = size >= VHD_FOOTER_SIZE ? await file.read(8, size - VHD_FOOTER_SIZE) : Buffer.alloc(0);
        if (tail.toString('ascii') === 'conectix') kind = 'vhd';
        else if (head.toString('ascii') === 'vhdxfile') kind = 'vhdx';
        else return checks;
    }
    if (kind === 'vhd') {
        const footer = size >= VHD_FOOTER_SIZE ? await file.read(VHD_FOOTER_SIZE, size - VHD_FOOTER_SIZE) : Buffer.alloc(0);
        checks.push(checkVhdFooter(footer, size));
    } else {
        checks.push(checkVhdxHeader(await file.read(320 * 1024, 0)));
    }
    return checks;
}
