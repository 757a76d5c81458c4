import { UserError } from "../../errors/user-error.ts";

/**
 * How big a bench's seeded workload is: the rooms one user is joined to, the members of the
 * large room, and how many events deep its timeline is.
 */
export interface Scale {
  readonly rooms: number;
  readonly members: number;
  readonly timeline: number;
}

export const SCALE_PRESETS: Readonly<Record<string, Scale>> = {
  small: { rooms: 10, members: 10, timeline: 200 },
  medium: { rooms: 100, members: 100, timeline: 2000 },
  large: { rooms: 1000, members: 1000, timeline: 5000 },
};

const LIMITS: Record<keyof Scale, [number, number]> = { rooms: [1, 10_000], members: [2, 10_000], timeline: [1, 100_000] };

/** `small`, `medium`, `large`, or `rooms=100,members=100,timeline=2000` (keys left out come from medium). */
export function parseScale(text: string): Scale {
  const preset = SCALE_PRESETS[text.trim()];
  if (preset) return preset;
  const scale: Record<keyof Scale, number> = { ...SCALE_PRESETS.medium! };
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [key, value, ...rest] = part.split("=");
    if (!key || value === undefined || rest.length > 0 || !(key in LIMITS)) {
      throw new UserError(`--scale ${text}: expected a preset (${Object.keys(SCALE_PRESETS).join(", ")}) or key=value pairs of rooms, members, timeline (e.g. rooms=100,members=100,timeline=2000); got "${part}"`);
    }
    const n = Number(value);
    const [low, high] = LIMITS[key as keyof Scale];
    if (!Number.isInteger(n) || n < low || n > high) throw new UserError(`--scale ${key}=${value}: expected a whole number from ${low} to ${high}`);
    scale[key as keyof Scale] = n;
  }
  return scale;
}

export function formatScale(scale: Scale): string {
  return `rooms=${scale.rooms},members=${scale.members},timeline=${scale.timeline}`;
}
