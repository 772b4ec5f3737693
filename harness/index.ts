export type * from './model.js';
export type * from './machine.js';
export type * from './result.js';
export { importTaskSequenceFile, importTaskSequenceBytes, importTaskSequenceXml, importTaskSequenceYaml, type ImportOptions, type YamlImportOptions } from './import/index.js';
export { STEP_TYPES, stepTypeByClass, stepTypeByName, stepTypeVariable, type StepType, type StepTypeVariable } from './step-types.js';
export { evaluateCondition, describeCondition, compareVariable, type ConditionContext, type ConditionOutcome } from './conditions.js';
export { runWql, parseWql, likeMatch, WqlError, WMI_CLASSES } from './wql.js';
