# TT_CHECK_METER_WIDTH: the width of a meter bar (--with-meter-width=N, 10 by default).
AC_DEFUN([TT_CHECK_METER_WIDTH], [
  AC_ARG_WITH([meter-width],
    [AS_HELP_STRING([--with-meter-width=N], [cells in a meter bar (default 10)])],
    [tt_meter_width=$withval], [tt_meter_width=10])
  AC_DEFINE_UNQUOTED([TT_METER_WIDTH], [$tt_meter_width], [cells in a meter bar])
])
