// The terminal's size, following resizes: the sign-in screens and the main screen lay themselves
// out for it (Ink alone would lay the old tree out again at the old widths). `onResize` runs
// first, before the new size is drawn.
import { useStdout } from 'ink';
import { useEffect, useRef, useState } from 'react';

export function useTerminalSize(onResize?: () => void): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  const before = useRef(onResize);
  before.current = onResize;
  useEffect(() => {
    const resized = () => {
      before.current?.();
      setSize(read());
    };
    stdout.on('resize', resized);
    return () => void stdout.off('resize', resized);
  }, [stdout]);
  return size;
}
