package inroot
