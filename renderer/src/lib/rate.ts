// Download speeds as a person types them (MB/s, one decimal) and as the settings keep them (bytes/s).
import type { Bandwidth } from '../../../main/ipc/contract.ts';

export const MIB = 1024 * 1024;

/** Bytes per second as MB/s with one decimal. */
export const mbps = (bytes: number): number => Math.round((bytes / MIB) * 10) / 10;

/** MB/s typed (a number or text) as whole bytes per second; `min` for a field that may not be 0. */
export const bytesPerSecond = (mb: unknown, min = 0): number => Math.max(min, Math.round((Number(mb) || 0) * MIB));

/** The settings' bandwidth, or none set yet: no limit, office hours off (2 MB/s Monday–Friday 09:00–18:00 when turned on). */
export function bandwidthOrDefault(bandwidth: Bandwidth | undefined): Bandwidth {
  return bandwidth ?? { limit: 0, office: { enabled: false, limit: 2 * MIB, days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' } };
}
