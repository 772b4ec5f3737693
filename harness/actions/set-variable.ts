// Set Task Sequence Variable (osd-behaviours §2.25): overrides every other creation method; empty deletes;
// read-only "_" names are refused, which fails the step.
import { catalogue, missing } from './common.js';
import type { ActionModule } from './types.js';

export const setTaskSequenceVariable: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_SetVariableAction'),
  environments: ['WinPE', 'FullOS'],
  validate: (ctx) => (ctx.variable('VariableName') ? undefined : missing('VariableName')),
  async run(ctx) {
    const name = ctx.variable('VariableName') ?? '';
    const value = ctx.expand(ctx.variable('VariableValue') ?? '');
    const hidden = (ctx.variable('DoNotShowVariableValue') ?? '').toLowerCase() === 'true';
    ctx.setVariable(name, value, hidden);
    ctx.log.info(`Set variable ${name} to ${hidden ? '(hidden)' : `"${value}"`}`, 'tsenv.cpp:118', 'TSEnv');
    return { exitCode: 0 };
  },
};
