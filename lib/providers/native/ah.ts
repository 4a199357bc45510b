import type { AhBackend } from '../../provider/spi.js';
import type { NativeAhObject } from './addon.js';
import { NativeObject } from './native-object.js';

/** A native address handle (UD); packed sends name it by `id`. */
export class NativeAh extends NativeObject<NativeAhObject> implements AhBackend {
  readonly id: number;

  constructor(raw: NativeAhObject) {
    super(raw);
    this.id = raw.id;
  }
}
