#!/bin/sh
echo "run for {{ ds }}"
