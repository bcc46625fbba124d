"""Staff console for criterium 2: compliance overview, assessments, reminders, exports, audit."""
