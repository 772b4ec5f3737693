// Colours shared by the charts and the page's legend. Status colours follow CMTrace's habit: red is failure.
import type { MachineOutcome, StepStatus } from '../../../harness/index.js';

export const STATUS_COLOURS: Record<StepStatus, string> = {
  success: '#2e9d5b',
  failed: '#d64545',
  skipped: '#9aa5b1',
  disabled: '#cdd3d9',
  notRun: '#ffffff',
};

export const OUTCOME_COLOURS: Record<MachineOutcome, string> = { success: '#2e9d5b', failed: '#d64545', error: '#b7791f' };

/** Series colours, distinguishable for the common forms of colour blindness (Okabe–Ito). */
export const SERIES_COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];

export const seriesColour = (index: number): string => SERIES_COLOURS[index % SERIES_COLOURS.length]!;

export const INK = '#1f2933';
export const GRID = '#e4e7eb';
export const MUTED = '#616e7c';
