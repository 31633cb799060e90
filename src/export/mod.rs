//! Exporting a manifest to another service manager, so a staging host or
//! a shared server runs the same daemons under what it already has. Only
//! systemd exists (`systemd/`). This layer turns a loaded
//! [`crate::manifest::Manifest`] into unit files as text and writes them; it never
//! starts anything and never prints (the command line shows its warnings).

pub mod systemd;
