/**
 * The MT50 catalogue and LLMDPD's structured prompts for Meta-World tasks: the 50 names of
 * Meta-World's env dictionary, the official sentences, and the Figure-1 format rendered by the
 * shared `formatStructuredPrompt`.
 */
import { NotFoundError } from '../../../src/core/errors.js';
import { formatStructuredPrompt } from '../../../src/encoders/text/prompt-format.js';
import {
  METAWORLD_ML45_TEST,
  METAWORLD_MT10,
  METAWORLD_MT50,
  metaWorldPromptText,
  metaWorldTaskPrompt,
  metaWorldTaskText,
} from '../../../src/envs/metaworld/texts.js';
import { METAWORLD_TASKS } from '../../../src/envs/metaworld/sawyer-env.js';

/** Meta-World's MT50 names in env_dict order. */
const MT50_NAMES =
  'assembly basketball bin-picking box-close button-press-topdown button-press-topdown-wall button-press ' +
  'button-press-wall coffee-button coffee-pull coffee-push dial-turn disassemble door-close door-lock door-open ' +
  'door-unlock hand-insert drawer-close drawer-open faucet-open faucet-close hammer handle-press-side handle-press ' +
  'handle-pull-side handle-pull lever-pull peg-insert-side pick-place-wall pick-out-of-hole pick-place plate-slide ' +
  'plate-slide-side plate-slide-back plate-slide-back-side peg-unplug-side soccer stick-push stick-pull push ' +
  'push-wall push-back reach reach-wall shelf-place sweep-into sweep window-open window-close';

test('the catalogue holds the 50 MT50 tasks in order, each with a one-line description', () => {
  expect(METAWORLD_MT50.map((t) => t.name)).toEqual(MT50_NAMES.split(' '));
  for (const t of METAWORLD_MT50) {
    expect(t.description).toMatch(/^[A-Z].*\.$/);
    expect(t.title.length).toBeGreaterThan(0);
  }
  expect(new Set(METAWORLD_MT50.map((t) => t.title)).size).toBe(50);
  for (const name of [...METAWORLD_MT10, ...METAWORLD_ML45_TEST, ...METAWORLD_TASKS]) {
    expect(metaWorldTaskText(name).name).toBe(name);
  }
});

test('the six tasks of the paper carry Meta-World’s own sentences', () => {
  expect(metaWorldTaskText('sweep-into')).toMatchObject({
    title: 'Sweep into hole',
    description: 'Sweep a puck into a hole.',
    randomization: 'Randomize puck positions',
  });
  expect(metaWorldTaskText('coffee-push').description).toBe('Push a mug under a coffee machine.');
  expect(metaWorldTaskText('disassemble').description).toBe('Pick a nut out of the a peg.'); // sic, as Meta-World writes it
  expect(metaWorldTaskText('box-close').description).toBe('Grasp the cover and close the box with it.');
  expect(metaWorldTaskText('hand-insert')).toMatchObject({
    description: 'Insert the gripper into a hole.',
    randomization: null,
  });
  expect(metaWorldTaskText('bin-picking').description).toBe(
    'Grasp the puck from one bin and place it into another bin.',
  );
  expect(metaWorldTaskText('push-back').title).toBe('Pull');
});

test('prompts follow the paper’s Figure 1 and go through formatStructuredPrompt', () => {
  expect(metaWorldPromptText('push')).toBe(
    'Task: Meta-World push.\nObjective: Push the puck to a goal.\nConstraints: Randomize puck and goal positions.',
  );
  expect(metaWorldPromptText('box-close')).toBe(
    'Task: Meta-World box-close.\nObjective: Grasp the cover and close the box with it.\nConstraints: Randomize the cover and box positions.',
  );
  expect(metaWorldPromptText('hand-insert')).toBe(
    'Task: Meta-World hand-insert.\nObjective: Insert the gripper into a hole.\nConstraints: Randomize the object and goal positions.',
  );
  for (const task of METAWORLD_TASKS) {
    expect(metaWorldPromptText(task)).toBe(formatStructuredPrompt(metaWorldTaskPrompt(task)));
  }
});

test('names may carry a version or the registry namespace; unknown names are a NotFoundError listing the 50', () => {
  expect(metaWorldTaskText('box-close-v2')).toBe(metaWorldTaskText('box-close'));
  expect(metaWorldTaskText('MetaWorld/box-close-v3')).toBe(metaWorldTaskText('box-close'));
  expect(() => metaWorldTaskText('box-open')).toThrow(NotFoundError);
  expect(() => metaWorldTaskText('box-open')).toThrow(/bin-picking, box-close/);
});
