//! The RTMP ingest: the nginx-rtmp hook in-process (secret, keys, status and health, cost, logs), and
//! end to end with a real nginx-rtmp and a real ffmpeg against the local server.

mod deny;
mod hook;
mod logs;
mod rtmp;
