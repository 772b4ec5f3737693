export { toJUnit, type JUnitOptions } from './junit.js';
export { defaultRunFolder, safeFileName, writeFileAtomic, writeRunFolder, logTail, machineFolders, type RunFolderContent } from './run-folder.js';
