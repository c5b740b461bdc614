// What the person chose on Find (query kind, meeting, person, period), kept while they visit other
// screens, so coming back shows the query beside the results it gave.
import type { UiQuery } from '../../../main/ipc/contract.ts';
import { presetRange } from './dates.ts';

/** The four ways of asking people choose from; many pasted meeting ids become one `conferences` query. */
export type FindKind = Exclude<UiQuery['kind'], 'conferences'>;

export class FindForm {
  kind = $state<FindKind>('range');
  confrId = $state('');
  userName = $state('');
  from = $state('');
  to = $state('');

  constructor() {
    [this.from, this.to] = presetRange('week');
  }
}
