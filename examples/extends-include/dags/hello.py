"""A minimal daily DAG: two tasks, one after the other."""

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="hello",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example"],
):
    hello = BashOperator(task_id="hello", bash_command="echo hello from {{ ds }}")
    done = BashOperator(task_id="done", bash_command="echo done")
    hello >> done
