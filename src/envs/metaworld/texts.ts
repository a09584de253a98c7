/**
 * Meta-World's task texts: the MT50 catalogue ({@link METAWORLD_MT50}, every task's name, the
 * verbal name and one-line description of the Meta-World paper's appendix, and the randomisation
 * note of Meta-World's task-description page) and the structured text prompts of LLMDPD (paper
 * Figure 1: `Task:` / `Objective:` / `Constraints:`) built from them
 * ({@link metaWorldTaskPrompt}, {@link metaWorldPromptText}).
 *
 * The sentences are Meta-World's, word for word, including "Pick a nut out of the a peg." for
 * disassemble. Only hand-insert, whose entry has no randomisation note, gets one written here
 * (`Randomize the object and goal positions`, which is what its reset does).
 *
 * @module
 */
import { NotFoundError } from '../../core/errors.js';
import { formatStructuredPrompt, type StructuredTaskPrompt } from '../../core/structured-prompt.js';

/** One task of the MT50 catalogue. */
export interface MetaWorldTaskText {
  /** The env name without version, e.g. `box-close` (ids end in `-v3`; older papers use `-v2`). */
  readonly name: string;
  /** The verbal name of Meta-World's description table, e.g. `Close box`. */
  readonly title: string;
  /** The one-line description, e.g. `Grasp the cover and close the box with it.` */
  readonly description: string;
  /** The randomisation note, e.g. `Randomize the cover and box positions`, or `null` when Meta-World gives none. */
  readonly randomization: string | null;
}

function entry(name: string, title: string, description: string, randomization: string | null): MetaWorldTaskText {
  return Object.freeze({ name, title, description, randomization });
}

/** The 50 tasks of MT50, in Meta-World's order, with their descriptions. */
export const METAWORLD_MT50: readonly MetaWorldTaskText[] = Object.freeze([
  entry('assembly', 'Assemble nut', 'Pick up a nut and place it onto a peg.', 'Randomize nut and peg positions'),
  entry(
    'basketball',
    'Basketball',
    'Dunk the basketball into the basket.',
    'Randomize basketball and basket positions',
  ),
  entry(
    'bin-picking',
    'Pick bin',
    'Grasp the puck from one bin and place it into another bin.',
    'Randomize puck positions',
  ),
  entry(
    'box-close',
    'Close box',
    'Grasp the cover and close the box with it.',
    'Randomize the cover and box positions',
  ),
  entry('button-press-topdown', 'Press button top', 'Press a button from the top.', 'Randomize button positions'),
  entry(
    'button-press-topdown-wall',
    'Press button top wall',
    'Bypass a wall and press a button from the top.',
    'Randomize button positions',
  ),
  entry('button-press', 'Press button', 'Press a button.', 'Randomize button positions'),
  entry(
    'button-press-wall',
    'Press button wall',
    'Bypass a wall and press a button.',
    'Randomize the button positions',
  ),
  entry(
    'coffee-button',
    'Get coffee',
    'Push a button on the coffee machine.',
    'Randomize the position of the coffee machine',
  ),
  entry('coffee-pull', 'Pull mug', 'Pull a mug from a coffee machine.', 'Randomize the mug and the machine positions'),
  entry('coffee-push', 'Push mug', 'Push a mug under a coffee machine.', 'Randomize the mug and the machine positions'),
  entry('dial-turn', 'Turn dial', 'Rotate a dial 180 degrees.', 'Randomize dial positions'),
  entry('disassemble', 'Disassemble nut', 'Pick a nut out of the a peg.', 'Randomize the nut positions'),
  entry('door-close', 'Close door', 'Close a door with a revolving joint.', 'Randomize door positions'),
  entry('door-lock', 'Lock door', 'Lock the door by rotating the lock clockwise.', 'Randomize door positions'),
  entry('door-open', 'Open door', 'Open a door with a revolving joint.', 'Randomize door positions'),
  entry(
    'door-unlock',
    'Unlock door',
    'Unlock the door by rotating the lock counter-clockwise.',
    'Randomize door positions',
  ),
  entry('hand-insert', 'Insert hand', 'Insert the gripper into a hole.', null),
  entry('drawer-close', 'Close drawer', 'Push and close a drawer.', 'Randomize the drawer positions'),
  entry('drawer-open', 'Open drawer', 'Open a drawer.', 'Randomize drawer positions'),
  entry('faucet-open', 'Turn on faucet', 'Rotate the faucet counter-clockwise.', 'Randomize faucet positions'),
  entry('faucet-close', 'Turn off faucet', 'Rotate the faucet clockwise.', 'Randomize faucet positions'),
  entry('hammer', 'Hammer', 'Hammer a screw on the wall.', 'Randomize the hammer and the screw positions'),
  entry('handle-press-side', 'Press handle side', 'Press a handle down sideways.', 'Randomize the handle positions'),
  entry('handle-press', 'Press handle', 'Press a handle down.', 'Randomize the handle positions'),
  entry('handle-pull-side', 'Pull handle side', 'Pull a handle up sideways.', 'Randomize the handle positions'),
  entry('handle-pull', 'Pull handle', 'Pull a handle up.', 'Randomize the handle positions'),
  entry('lever-pull', 'Pull lever', 'Pull a lever down 90 degrees.', 'Randomize lever positions'),
  entry('peg-insert-side', 'Insert peg side', 'Insert a peg sideways.', 'Randomize peg and goal positions'),
  entry(
    'pick-place-wall',
    'Pick&place w/ wall',
    'Pick a puck, bypass a wall and place the puck.',
    'Randomize puck and goal positions',
  ),
  entry('pick-out-of-hole', 'Pick out of hole', 'Pick up a puck from a hole.', 'Randomize puck and goal positions'),
  entry('pick-place', 'Pick&place', 'Pick and place a puck to a goal.', 'Randomize puck and goal positions'),
  entry('plate-slide', 'Slide plate', 'Slide a plate into a cabinet.', 'Randomize the plate and cabinet positions'),
  entry(
    'plate-slide-side',
    'Slide plate side',
    'Slide a plate into a cabinet sideways.',
    'Randomize the plate and cabinet positions',
  ),
  entry('plate-slide-back', 'Retrieve plate', 'Get a plate from the cabinet.', 'Randomize plate and cabinet positions'),
  entry(
    'plate-slide-back-side',
    'Retrieve plate side',
    'Get a plate from the cabinet sideways.',
    'Randomize plate and cabinet positions',
  ),
  entry('peg-unplug-side', 'Unplug peg', 'Unplug a peg sideways.', 'Randomize peg positions'),
  entry('soccer', 'Soccer', 'Kick a soccer into the goal.', 'Randomize the soccer and goal positions'),
  entry('stick-push', 'Push with stick', 'Grasp a stick and push a box using the stick.', 'Randomize stick positions'),
  entry('stick-pull', 'Pull with stick', 'Grasp a stick and pull a box with the stick.', 'Randomize stick positions'),
  entry('push', 'Push', 'Push the puck to a goal.', 'Randomize puck and goal positions'),
  entry('push-wall', 'Push with wall', 'Bypass a wall and push a puck to a goal.', 'Randomize puck and goal positions'),
  entry('push-back', 'Pull', 'Pull a puck to a goal.', 'Randomize puck and goal positions'),
  entry('reach', 'Reach', 'Reach a goal position.', 'Randomize the goal positions'),
  entry('reach-wall', 'Reach with wall', 'Bypass a wall and reach a goal.', 'Randomize goal positions'),
  entry('shelf-place', 'Place onto shelf', 'Pick and place a puck onto a shelf.', 'Randomize puck and shelf positions'),
  entry('sweep-into', 'Sweep into hole', 'Sweep a puck into a hole.', 'Randomize puck positions'),
  entry('sweep', 'Sweep', 'Sweep a puck off the table.', 'Randomize puck positions'),
  entry('window-open', 'Open window', 'Push and open a window.', 'Randomize window positions'),
  entry('window-close', 'Close window', 'Push and close a window.', 'Randomize window positions'),
]);

/** MT10's tasks (Meta-World's benchmark list). */
export const METAWORLD_MT10: readonly string[] = Object.freeze([
  'reach',
  'push',
  'pick-place',
  'door-open',
  'drawer-open',
  'drawer-close',
  'button-press-topdown',
  'peg-insert-side',
  'window-open',
  'window-close',
]);

/** ML45's five test tasks (the other 45 of MT50 are its training tasks). */
export const METAWORLD_ML45_TEST: readonly string[] = Object.freeze([
  'bin-picking',
  'box-close',
  'hand-insert',
  'door-lock',
  'door-unlock',
]);

/** Randomisation notes written here for tasks whose catalogue entry has none. */
const RANDOMIZATION_FALLBACK: Readonly<Record<string, string>> = Object.freeze({
  'hand-insert': 'Randomize the object and goal positions',
});

/** `box-close`, `box-close-v3`, `box-close-v2` and `MetaWorld/box-close-v3` all name `box-close`. */
function baseName(name: string): string {
  return name.replace(/^[A-Za-z-]+\//, '').replace(/-v\d+$/, '');
}

/**
 * The catalogue entry of a task.
 * @param name - the task name, with or without a `-vN` suffix or a `MetaWorld/` namespace.
 * @throws {@link NotFoundError} for a name that is not one of the 50.
 */
export function metaWorldTaskText(name: string): MetaWorldTaskText {
  const base = baseName(String(name));
  const found = METAWORLD_MT50.find((t) => t.name === base);
  if (found === undefined) {
    throw new NotFoundError(
      `${JSON.stringify(name)} is not a Meta-World MT50 task; the 50 names are ${METAWORLD_MT50.map((t) => t.name).join(', ')}.`,
    );
  }
  return found;
}

/**
 * The structured prompt of a task (paper Figure 1): `Meta-World <name>` as the task, the
 * description as the objective, the randomisation note as the constraint.
 *
 * @example
 * ```ts
 * metaWorldTaskPrompt('push');
 * // { task: 'Meta-World push', objective: 'Push the puck to a goal.', constraints: ['Randomize puck and goal positions'] }
 * ```
 * @throws {@link NotFoundError} for a name that is not one of the 50.
 */
export function metaWorldTaskPrompt(name: string): StructuredTaskPrompt {
  const text = metaWorldTaskText(name);
  const randomization = text.randomization ?? RANDOMIZATION_FALLBACK[text.name];
  return {
    task: `Meta-World ${text.name}`,
    objective: text.description,
    ...(randomization === undefined ? {} : { constraints: [randomization] }),
  };
}

/**
 * The text prompt of a task, rendered with `formatStructuredPrompt`:
 *
 * ```text
 * Task: Meta-World box-close.
 * Objective: Grasp the cover and close the box with it.
 * Constraints: Randomize the cover and box positions.
 * ```
 * @throws {@link NotFoundError} for a name that is not one of the 50.
 */
export function metaWorldPromptText(name: string): string {
  return formatStructuredPrompt(metaWorldTaskPrompt(name));
}
