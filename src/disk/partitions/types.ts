/** What a partition table holds, and the names of the partition types a user will recognise. */

export interface Partition {
    /** 1-based: the GPT entry index, the MBR slot (1-4), or 5+ for MBR logical partitions. */
    number: number;
    /** Bytes from the start of the disk. */
    start: number;
    /** Bytes. */
    size: number;
    /** e.g. `EFI System`, `Linux filesystem`; the GUID or hex byte when the type is unknown. */
    typeName: string;
    /** The GPT type GUID in upper case, or the MBR type byte as `0x83`. */
    typeId: string;
    /** The GPT partition name (UTF-16LE in the entry). */
    name?: string;
    /** The GPT unique partition GUID. */
    guid?: string;
    /** MBR status 0x80, or GPT attribute bit 2 (legacy BIOS bootable). */
    bootable?: boolean;
    /** The GPT attribute bits. */
    attributes?: bigint;
}

export interface PartitionTable {
    scheme: 'gpt' | 'mbr' | 'none';
    partitions: Partition[];
    /** Damage that was worked around (a bad primary GPT header read from its backup, overlaps). */
    warnings: string[];
}

/** GPT partition type GUIDs (UEFI spec table 5-7, and the Discoverable Partitions Specification). */
const GPT_TYPES: Record<string, string> = {
    'C12A7328-F81F-11D2-BA4B-00A0C93EC93B': 'EFI System',
    '21686148-6449-6E6F-744E-656564454649': 'BIOS boot',
    '024DEE41-33E7-11D3-9D69-0008C781F39F': 'MBR partition scheme',
    'E3C9E316-0B5C-4DB8-817D-F92DF00215AE': 'Microsoft reserved',
    'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7': 'Microsoft basic data',
    'DE94BBA4-06D1-4D40-A16A-BFD50179D6AC': 'Windows recovery',
    '5808C8AA-7E8F-42E0-85D2-E1E90434CFB3': 'Microsoft LDM metadata',
    'AF9B60A0-1431-4F62-BC68-3311714A69AD': 'Microsoft LDM data',
    'E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D': 'Microsoft Storage Spaces',
    '0FC63DAF-8483-4772-8E79-3D69D8477DE4': 'Linux filesystem',
    '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F': 'Linux swap',
    'E6D6D379-F507-44C2-A23C-238F2A3DF928': 'Linux LVM',
    'A19D880F-05FC-4D3B-A006-743F0F84911E': 'Linux RAID',
    '933AC7E1-2EB4-4F13-B844-0E14E2AEF915': 'Linux home',
    '3B8F8425-20E0-4F3B-907F-1A25A76F98E8': 'Linux server data',
    '4D21B016-B534-45C2-A9FB-5C16E091FD2D': 'Linux variable data',
    'BC13C2FF-59E6-4262-A352-B275FD6F7172': 'Linux extended boot',
    'CA7D7CCB-63ED-4C53-861C-1742536059CC': 'Linux LUKS',
    '44479540-F297-41B2-9AF7-D131D5F0458A': 'Linux root (x86)',
    '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709': 'Linux root (x86-64)',
    '69DAD710-2CE4-4E3C-B16C-21A1D49ABED3': 'Linux root (ARM)',
    'B921B045-1DF0-41C3-AF44-4C6F280D3FAE': 'Linux root (ARM-64)',
    '8DA63339-0007-60C0-C436-083AC8230908': 'Linux reserved',
    '516E7CB4-6ECF-11D6-8FF8-00022D09712B': 'FreeBSD data',
    '48465300-0000-11AA-AA11-00306543ECAC': 'Apple HFS/HFS+',
    '7C3457EF-0000-11AA-AA11-00306543ECAC': 'Apple APFS',
};

/** MBR partition type bytes, named as fdisk names them. */
const MBR_TYPES: Record<number, string> = {
    0x01: 'FAT12', 0x04: 'FAT16 <32M', 0x05: 'Extended', 0x06: 'FAT16', 0x07: 'HPFS/NTFS/exFAT',
    0x0b: 'W95 FAT32', 0x0c: 'W95 FAT32 (LBA)', 0x0e: 'W95 FAT16 (LBA)', 0x0f: "W95 Ext'd (LBA)",
    0x11: 'Hidden FAT12', 0x12: 'Compaq diagnostics', 0x14: 'Hidden FAT16 <32M', 0x16: 'Hidden FAT16',
    0x17: 'Hidden HPFS/NTFS', 0x1b: 'Hidden W95 FAT32', 0x1c: 'Hidden W95 FAT32 (LBA)',
    0x1e: 'Hidden W95 FAT16 (LBA)', 0x27: 'Hidden NTFS WinRE', 0x42: 'SFS', 0x82: 'Linux swap / Solaris',
    0x83: 'Linux', 0x85: 'Linux extended', 0x8e: 'Linux LVM', 0xa5: 'FreeBSD', 0xa6: 'OpenBSD',
    0xa8: 'Darwin UFS', 0xaf: 'HFS / HFS+', 0xde: 'Dell Utility', 0xee: 'GPT', 0xef: 'EFI (FAT-12/16/32)',
    0xfd: 'Linux raid autodetect',
};

export function gptTypeName(guid: string): string {
    return GPT_TYPES[guid] ?? guid;
}

export function mbrTypeId(type: number): string {
    return `0x${type.toString(16).padStart(2, '0')}`;
}

export function mbrTypeName(type: number): string {
    return MBR_TYPES[type] ?? mbrTypeId(type);
}

/** A GUID as text: the first three fields are little-endian, the last eight bytes as stored (UEFI appendix A). */
export function guidText(b: Uint8Array, at: number): string {
    const hex = (from: number, to: number, reverse: boolean): string => {
        const part = Array.from(b.subarray(at + from, at + to), (x) => x.toString(16).padStart(2, '0'));
        return (reverse ? part.reverse() : part).join('');
    };
    return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-').toUpperCase();
}
