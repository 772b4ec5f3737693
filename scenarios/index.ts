export { InputError, EnvironmentError, formatProblem, type InputProblem, type Locator } from './errors.js';
export { loadScenario, parseScenario } from './load.js';
export { parseSize, parseBandwidth, parseDuration, parsePercent, type Parsed } from './units.js';
export { expandMatrix, resolveExpectation, type ExpandedMachine } from './matrix.js';
export { clientMachine } from './machines.js';
export { scenarioJsonSchema } from './json-schema.js';
export { scenarioSchema } from './schema.js';
export type { PartitionSize } from './quantities.js';
export type * from './model.js';
