"""Call recordings: which calls are recorded (``policy``), the pauses kept with a recording
(``pauses``), MixMonitor's capture followed on AMI (``capture``), the journalled conversion of
the raw WAV to a compressed, verified file (``journal``, ``audio``, ``storage``, ``worker``);
``wiring.RecordingsDomain`` builds them for the CTI server."""
