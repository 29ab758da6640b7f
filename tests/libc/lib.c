int fwprobe_answer(void) { return 42; }
