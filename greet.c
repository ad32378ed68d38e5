int greet(void) {{ return 42; }}
