export { toJUnit, type JUnitOptions } from './junit.js';
export { defaultRunFolder, safeFileName, writeFileAtomic, writeRunFolder, logTail, machineFolders, type RunFolderContent } from './run-folder.js';
export { renderHtmlReport } from './html/render.js';
export type { HtmlReportInput, MachineReportData, DownloadRecord, CacheSample, RebootRecord } from './html/types.js';
export type { CapacityReport, CompletionDistribution, UtilisationSeries, UtilisationPoint, CapacitySweep, SweepRow, SweepMetric } from './html/capacity-types.js';
