// Partition type identifiers as Windows writes them (MBR type bytes, GPT type GUIDs).

export const MBR_TYPE = {
  ntfs: '07',
  fat32: '0C',
  extended: '0F',
  efi: 'EF',
  recovery: '27',
  dynamic: '42',
  unformatted: '07',
} as const;

export const GPT_TYPE = {
  efiSystem: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  microsoftReserved: 'E3C9E316-0B5C-4DB8-817D-F92DF00215AE',
  basicData: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7',
  recovery: 'DE94BBA4-06D1-4D40-A16A-BFD50179D6AC',
  biosBoot: '21686148-6449-6E6F-744E-656564454649',
  ldmMetadata: '5808C8AA-7E8F-42E0-85D2-E1E90434CFB3',
  ldmData: 'AF9B60A0-1431-4F62-BC68-3311714A69AD',
} as const;

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;
/** MBR addresses sectors with 32 bits: 2 TiB at 512-byte sectors. */
export const MBR_MAX_BYTES = 2 ** 32 * 512;
/** Windows' format tool refuses FAT32 volumes above 32 GB. */
export const FAT32_MAX_FORMAT_BYTES = 32 * GIB;
/** FAT32 cannot hold a file of 4 GiB or more. */
export const FAT32_MAX_FILE_BYTES = 4 * GIB - 1;
