import { hashSeed, Prng } from '../prng.js';
import { dtoTime } from './dates.js';
import type { SimUser } from './user.js';

const KINDS = [
  { name: 'Easy Run', sportTypeId: 1, sportTypeKey: 'running' },
  { name: 'Tempo Run 4x1km', sportTypeId: 1, sportTypeKey: 'running' },
  { name: 'Sweet Spot Ride', sportTypeId: 2, sportTypeKey: 'cycling' },
  { name: 'Long Ride', sportTypeId: 2, sportTypeKey: 'cycling' },
  { name: 'Strength Circuit', sportTypeId: 5, sportTypeKey: 'strength_training' },
] as const;

export interface SimWorkout {
  workoutId: number;
  name: string;
  sportTypeId: number;
  sportTypeKey: string;
  createdS: number;
  updatedS: number;
  steps: number;
  stepSeconds: number;
}

/**
 * The user's workouts, newest update first. Ids are
 * 900000000 + userIndex * 10000 + k (plain JSON numbers, below 2^53).
 */
export function userWorkouts(user: SimUser): SimWorkout[] {
  const out: SimWorkout[] = [];
  for (let k = 0; k < user.workoutCount; k++) {
    const rng = new Prng(hashSeed(user.seed, 'workout', k));
    const kind = rng.pick(KINDS);
    const createdS = user.createdAtS - rng.int(1, Math.max(1, user.days)) * 86400 - rng.int(0, 86399);
    out.push({
      workoutId: 900_000_000 + user.index * 10_000 + k,
      name: kind.name,
      sportTypeId: kind.sportTypeId,
      sportTypeKey: kind.sportTypeKey,
      createdS,
      updatedS: createdS + rng.int(0, 3) * 3600,
      steps: rng.int(1, 5),
      stepSeconds: rng.int(3, 20) * 60,
    });
  }
  return out.sort((a, b) => b.updatedS - a.updatedS || b.workoutId - a.workoutId);
}

function sportType(w: SimWorkout) {
  return { sportTypeId: w.sportTypeId, sportTypeKey: w.sportTypeKey, displayOrder: w.sportTypeId };
}

/** A `workout-service/workouts` list item. */
export function workoutListItem(user: SimUser, w: SimWorkout): Record<string, unknown> {
  return {
    workoutId: w.workoutId,
    ownerId: user.profileId,
    workoutName: w.name,
    description: null,
    updatedDate: dtoTime(w.updatedS),
    createdDate: dtoTime(w.createdS),
    sportType: sportType(w),
    trainingPlanId: null,
    author: { userProfilePk: user.profileId, displayName: user.displayName, fullName: user.fullName },
    estimatedDurationInSecs: w.steps * w.stepSeconds,
    estimatedDistanceInMeters: null,
    poolLength: 0,
    poolLengthUnit: { unitId: null, unitKey: null, factor: null },
    workoutProvider: null,
    workoutSourceId: null,
    consumer: null,
    atpPlanId: null,
    workoutNameI18nKey: null,
    descriptionI18nKey: null,
    shared: false,
    estimated: true,
  };
}

/** `workout-service/workout/{id}`: the list item plus its segments and steps. */
export function workoutDetail(user: SimUser, w: SimWorkout): Record<string, unknown> {
  const steps = [];
  for (let i = 0; i < w.steps; i++) {
    steps.push({
      type: 'ExecutableStepDTO',
      stepId: w.workoutId * 10 + i,
      stepOrder: i + 1,
      stepType: { stepTypeId: 3, stepTypeKey: 'interval', displayOrder: 3 },
      childStepId: null,
      description: null,
      endCondition: { conditionTypeId: 2, conditionTypeKey: 'time', displayOrder: 2, displayable: true },
      endConditionValue: w.stepSeconds,
      targetType: { workoutTargetTypeId: 1, workoutTargetTypeKey: 'no.target', displayOrder: 1 },
      targetValueOne: null,
      targetValueTwo: null,
    });
  }
  return {
    ...workoutListItem(user, w),
    workoutSegments: [{ segmentOrder: 1, sportType: sportType(w), workoutSteps: steps }],
  };
}
