// A context whose hook throws outside its provider, so a missing provider fails loudly.
import { createContext, useContext } from 'react';

export function makeContext<T>(name: string) {
  const Context = createContext<T | null>(null);
  Context.displayName = name;
  const use = (): T => {
    const value = useContext(Context);
    if (value === null) throw new Error(`use${name}() must be used inside <${name}Provider>`);
    return value;
  };
  return [Context.Provider, use] as const;
}
