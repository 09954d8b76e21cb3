// Which preset a running configuration is, so the configuration panel's dropdown names it instead
// of always saying "custom".
import type { NodeId } from '../../../../shared/api';
import { PRESET_NAMES, type PresetName, presetPartitions } from '../../../../shared/config';

export function presetOf(partitions: readonly (readonly NodeId[])[] | undefined): PresetName | null {
  if (!partitions) return null;
  const running = JSON.stringify(partitions);
  return PRESET_NAMES.find((name) => JSON.stringify(presetPartitions(name)) === running) ?? null;
}
