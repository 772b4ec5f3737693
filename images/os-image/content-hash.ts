// The content hash of a WIM: what its images hold, not the file's bytes. wimlib stamps each
// image's XML LASTMODIFICATIONTIME with the write time, so two builds of one spec never have
// identical bytes; their images (names, properties, every entry's path, attributes, times,
// size and SHA-1) are identical, and that is what this hash covers.
import { createHash } from 'node:crypto';
import { WimFile } from '../wim/wim-file.js';

/** XML properties that belong to an image's identity (ConfigMgr reads them on import). */
export const IDENTITY_PROPERTIES = ['FLAGS', 'DISPLAYNAME', 'DISPLAYDESCRIPTION', 'WINDOWS/EDITIONID', 'WINDOWS/ARCH', 'WINDOWS/VERSION/MAJOR', 'WINDOWS/VERSION/MINOR', 'WINDOWS/VERSION/BUILD', 'WINDOWS/VERSION/SPBUILD', 'WINDOWS/LANGUAGES/DEFAULT', 'CREATIONTIME/HIGHPART', 'CREATIONTIME/LOWPART'];

/** SHA-256 (hex) over every image of the WIM at `path`, in index order. */
export function wimContentHash(path: string): string {
  const hash = createHash('sha256');
  const wim = WimFile.open(path);
  try {
    for (const image of wim.images()) {
      hash.update(`image ${image.index}\0${image.name}\0${image.description}\0`);
      for (const prop of IDENTITY_PROPERTIES) hash.update(`${prop}=${wim.imageProperty(image.index, prop) ?? ''}\0`);
      wim.forEachDirEntry(image.index, (e) => {
        const d = e.details;
        hash.update(`${e.path}\0${e.attributes}\0${d?.lastWriteTimeNs}\0${e.sizeBytes}\0${d?.sha1 ?? ''}\0${d?.links}\0`);
      }, { details: true });
    }
  } finally {
    wim.close();
  }
  return hash.digest('hex');
}
