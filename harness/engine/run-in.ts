// Where a step may run: its runIn attribute and its action's environments (osd-behaviours §2.28).
import type { RunEnvironment } from '../machine.js';
import type { RunIn } from '../model.js';

const envWords = (e: RunEnvironment) => (e === 'WinPE' ? 'Windows PE' : 'the full operating system');
const runInWords = (r: RunIn) => (r === 'WinPEandFullOS' ? 'Windows PE or the full operating system' : envWords(r));

/** Why a step cannot run in `where`, or undefined when it can. */
export function runInProblem(runIn: RunIn, environments: readonly RunEnvironment[], where: RunEnvironment): string | undefined {
  if (runIn !== 'WinPEandFullOS' && runIn !== where) {
    return `The action is set to run in ${runInWords(runIn)}, but the task sequence is running in ${envWords(where)}`;
  }
  if (!environments.includes(where)) return `This action cannot run in ${envWords(where)}; it runs only in ${environments.map(envWords).join(' or ')}`;
  return undefined;
}
