import { WimFile } from './wim-file.js';

export interface WimImageSize {
  index: number;
  name: string;
  /** Bytes an apply writes (uncompressed file data of the image). */
  totalBytes: number;
  fileCount: number;
}

/** Per image of a real WIM, what the twin needs to size downloads and applies. */
export function readWimImageSizes(path: string): WimImageSize[] {
  const wim = WimFile.open(path);
  try {
    return wim.images().map(({ index, name, totalBytes, fileCount }) => ({ index, name, totalBytes, fileCount }));
  } finally {
    wim.close();
  }
}
